import { randomUUID } from 'node:crypto';
import { PartnerCenterError } from '../../../src/partner-center/errors/partner-center-error';
import {
  createPipeline,
  PipelineRequest,
  PipelineResponse,
} from '../../../src/partner-center/pipeline/pipeline';
import { retryPolicy } from '../../../src/partner-center/pipeline/retry.policy';
import { telemetryPolicy } from '../../../src/partner-center/pipeline/telemetry.policy';
import { Metrics } from '../../../src/observability/metrics';
import { QuotaShaper } from '../../../src/partner-center/quota/quota-shaper';
import { rateBudgetPolicy } from '../../../src/partner-center/quota/quota.policies';
import { MemorySharedState } from '../../../src/shared-state/memory-shared-state';
import { describeFailure } from '../../../src/problem/failure';

const RETRY = {
  maxAttempts: 3,
  attemptTimeoutMs: 200,
  deadlineMs: 2_000,
  baseDelayMs: 1,
  maxDelayMs: 2,
  maxRetryAfterSeconds: 2,
};

const request = (method: PipelineRequest['method']): PipelineRequest => ({
  method,
  url: 'https://pc.test/v1/customers/c0000001-0000-4000-8000-000000000001/usagebudget',
  requestId: randomUUID(),
  headers: {},
  body: method === 'PATCH' ? '{"Amount":5}' : undefined,
  state: {},
});

const answer = (status: number): PipelineResponse => ({ status, headers: {}, body: '{}' });

/** PARTNER_CENTER_MAX_REQUESTS_PER_SECOND, counted as each attempt is sent. */
describe("the fleet's request budget in the pipeline", () => {
  const shaper = (perSecond: number) =>
    new QuotaShaper(
      { minConcurrency: 1, maxConcurrency: 8, initialConcurrency: 8, maxRequestsPerSecond: perSecond },
      new MemorySharedState(),
    );

  it('counts every attempt sent, retries too', async () => {
    const quota = shaper(2);
    const sent = jest.fn().mockResolvedValueOnce(answer(503)).mockResolvedValue(answer(200));
    const pipeline = createPipeline([retryPolicy(RETRY), rateBudgetPolicy(quota)], sent);
    expect((await pipeline(request('GET'))).status).toBe(200);
    expect(sent).toHaveBeenCalledTimes(2);
    // Both requests of the budget went to that call's two attempts: the next call finds no room now.
    expect(await quota.takeRateBudget(0)).toBeUndefined();
  });

  it('sends nothing when no room frees within the attempt, and a PATCH is known not applied', async () => {
    const quota = shaper(1);
    expect(await quota.takeRateBudget(0)).toBeDefined();
    const sent = jest.fn(async () => answer(200));
    const patch = request('PATCH');
    const error = await createPipeline(
      [retryPolicy(RETRY), rateBudgetPolicy(quota)],
      sent,
    )(patch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerCenterError);
    expect(error).toMatchObject({ kind: 'rate-limited', retryAfterSeconds: 1 });
    expect(sent).not.toHaveBeenCalled();
    expect(patch.state.maybeApplied).toBeFalsy();
  });

  it("tells the caller the gateway's own budget refused, not Partner Center: no Partner Center status, nothing sent", async () => {
    const quota = shaper(1);
    expect(await quota.takeRateBudget(0)).toBeDefined();
    const error = await createPipeline(
      [retryPolicy(RETRY), rateBudgetPolicy(quota)],
      jest.fn(async () => answer(200)),
    )(request('GET')).catch((e: unknown) => e);
    const failure = describeFailure(error);
    expect(failure).toMatchObject({ kind: 'rate-limited', retryAfterSeconds: 1 });
    // partnerCenter.status is what Partner Center answered; it answered nothing, so a 429 there would send the
    // caller and the operator after a Partner Center throttle that never happened.
    expect(failure.partnerCenter).not.toHaveProperty('status');
    expect(failure.detail).not.toMatch(/Partner Center is throttling/);
    expect(failure.detail).toMatch(/not sent/);
  });

  it('shows the attempts it refused on the upstream histogram, as status "rate-budget"', async () => {
    const quota = shaper(1);
    expect(await quota.takeRateBudget(0)).toBeDefined();
    const metrics = new Metrics({ defaultMetrics: false });
    const pipeline = createPipeline(
      [retryPolicy(RETRY), telemetryPolicy(metrics, { debug: () => undefined }), rateBudgetPolicy(quota)],
      async () => answer(200),
    );
    await pipeline(request('GET')).catch(() => undefined);
    const exposition = await metrics.exposition();
    expect(exposition).toMatch(
      /gateway_upstream_request_duration_seconds_count\{.*status="rate-budget".*\} 1\n/,
    );
  });

  it('gives the transport what is left of the attempt after the wait', async () => {
    const quota = shaper(1);
    expect(await quota.takeRateBudget(0)).toBeDefined();
    let timeoutMs: number | undefined;
    const sent = jest.fn(async (r: PipelineRequest) => {
      timeoutMs = r.timeoutMs;
      return answer(200);
    });
    const pipeline = createPipeline(
      [retryPolicy({ ...RETRY, attemptTimeoutMs: 1_500 }), rateBudgetPolicy(quota)],
      sent,
    );
    expect((await pipeline(request('GET'))).status).toBe(200);
    expect(timeoutMs).toBeLessThanOrEqual(1_500 - 900);
  });

  it('costs nothing without a budget', async () => {
    const sent = jest.fn(async () => answer(200));
    const pipeline = createPipeline([rateBudgetPolicy(shaper(0))], sent);
    for (let i = 0; i < 50; i++) await pipeline(request('GET'));
    expect(sent).toHaveBeenCalledTimes(50);
  });
});
