import { randomUUID } from 'node:crypto';
import { TransportError } from '../../../src/common/http/https-exchange';
import { PartnerCenterError } from '../../../src/partner-center/errors/partner-center-error';
import { BulkheadFullError, bulkheadPolicy } from '../../../src/partner-center/pipeline/bulkhead.policy';
import {
  circuitBreakerPolicy,
  CircuitOpenError,
  ENTRA_ID_FAILURES,
  PARTNER_CENTER_FAILURES,
  UpstreamCircuit,
} from '../../../src/partner-center/pipeline/circuit-breaker.policy';
import {
  createPipeline,
  PipelineRequest,
  PipelineResponse,
  SendRequest,
} from '../../../src/partner-center/pipeline/pipeline';
import { RetryBudget } from '../../../src/partner-center/pipeline/retry-budget';
import { retryPolicy } from '../../../src/partner-center/pipeline/retry.policy';

const get = (): PipelineRequest => ({
  method: 'GET',
  url: 'https://pc.test/v1/customers/x/usagebudget',
  requestId: randomUUID(),
  headers: {},
  state: {},
});

const answer = (status: number): PipelineResponse => ({ status, headers: {}, body: '{}' });

describe('Partner Center circuit breaker', () => {
  const circuit = (breakMs = 60_000) =>
    new UpstreamCircuit('partner-center', { failureThreshold: 3, breakMs }, PARTNER_CENTER_FAILURES);

  it('opens after the threshold of failed calls and then refuses without calling', async () => {
    const breaker = circuit();
    const send = jest.fn(async () => answer(503));
    const pipeline = createPipeline([circuitBreakerPolicy(breaker)], send);
    for (let i = 0; i < 3; i += 1) expect((await pipeline(get())).status).toBe(503);
    expect(breaker.state()).toBe('open');
    const refused = await pipeline(get()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused).toMatchObject({ kind: 'unavailable', source: 'partner-center' });
    expect((refused as CircuitOpenError).retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(send).toHaveBeenCalledTimes(3);
  });

  it.each([400, 404, 403, 429])('never counts a %i as a failure', async (status) => {
    const breaker = circuit();
    const pipeline = createPipeline([circuitBreakerPolicy(breaker)], async () => answer(status));
    for (let i = 0; i < 10; i += 1) await pipeline(get());
    expect(breaker.state()).toBe('closed');
  });

  it('counts calls that got no answer', async () => {
    const breaker = circuit();
    const pipeline = createPipeline([circuitBreakerPolicy(breaker)], async () => {
      throw new TransportError('connection', 'ECONNRESET', 'connection reset');
    });
    for (let i = 0; i < 3; i += 1) await pipeline(get()).catch(() => undefined);
    expect(breaker.state()).toBe('open');
  });

  it('lets one probe through when half-open, refuses the others meanwhile, and closes on its success', async () => {
    const breaker = circuit(50);
    let release: () => void = () => undefined;
    let status = 500;
    const send = jest.fn(async () => {
      if (status === 200) await new Promise<void>((resolve) => (release = resolve));
      return answer(status);
    });
    const pipeline = createPipeline([circuitBreakerPolicy(breaker)], send);
    for (let i = 0; i < 3; i += 1) await pipeline(get());
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(breaker.state()).toBe('half-open');
    status = 200;
    const probe = pipeline(get());
    await expect(pipeline(get())).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    expect((await probe).status).toBe(200);
    expect(breaker.state()).toBe('closed');
    expect(send).toHaveBeenCalledTimes(4);
  });
});

describe('Entra ID circuit breaker', () => {
  it('counts an unavailable token endpoint, not a refused credential', async () => {
    const breaker = new UpstreamCircuit(
      'entra-id',
      { failureThreshold: 2, breakMs: 60_000 },
      ENTRA_ID_FAILURES,
    );
    const refused = new PartnerCenterError({ kind: 'rejected', source: 'entra-id', attempts: 1 });
    for (let i = 0; i < 5; i += 1)
      await breaker.execute(() => Promise.reject(refused)).catch(() => undefined);
    expect(breaker.state()).toBe('closed');
    const down = new PartnerCenterError({ kind: 'unavailable', source: 'entra-id', attempts: 1 });
    for (let i = 0; i < 2; i += 1) await breaker.execute(() => Promise.reject(down)).catch(() => undefined);
    await expect(breaker.execute(async () => 'token')).rejects.toMatchObject({
      source: 'entra-id',
      kind: 'unavailable',
    });
  });
});

describe('bulkhead', () => {
  it('runs at most the limit at once, queues the next ones and refuses beyond the queue', async () => {
    let inFlight = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const send: SendRequest = async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => releases.push(resolve));
      inFlight -= 1;
      return answer(200);
    };
    const pipeline = createPipeline([bulkheadPolicy(2, 1)], send);
    const accepted = [pipeline(get()), pipeline(get()), pipeline(get())];
    await expect(pipeline(get())).rejects.toBeInstanceOf(BulkheadFullError);
    for (let i = 0; i < 10 && releases.length < 3; i += 1) {
      releases.splice(0).forEach((release) => release());
      await new Promise((resolve) => setImmediate(resolve));
    }
    releases.splice(0).forEach((release) => release());
    expect((await Promise.all(accepted)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(most).toBe(2);
  });
});

describe('retry budget', () => {
  it('allows the minimum plus the share of recent calls, then refuses', () => {
    let now = 1_000;
    const budget = new RetryBudget({ ratio: 0.2, minRetries: 1, windowMs: 10_000 }, () => now);
    for (let i = 0; i < 10; i += 1) budget.recordCall();
    const granted = Array.from({ length: 10 }, () => budget.tryRetry()).filter(Boolean).length;
    expect(granted).toBe(3); // 1 + 0.2 × 10
    now += 10_001; // the window slides: old calls and retries are forgotten
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
  });

  it('caps the retry policy: the last answer goes back when the budget is spent', async () => {
    const budget = new RetryBudget({ ratio: 0, minRetries: 2, windowMs: 10_000 });
    const send = jest.fn(async () => answer(503));
    const retry = retryPolicy(
      {
        maxAttempts: 4,
        attemptTimeoutMs: 1_000,
        deadlineMs: 5_000,
        baseDelayMs: 1,
        maxDelayMs: 2,
        maxRetryAfterSeconds: 1,
      },
      undefined,
      budget,
    );
    const pipeline = createPipeline([retry], send);
    expect((await pipeline(get())).status).toBe(503);
    expect(send).toHaveBeenCalledTimes(3); // the first attempt and the two retries of the budget
    expect((await pipeline(get())).status).toBe(503);
    expect(send).toHaveBeenCalledTimes(4);
  });

  it('does not spend the budget on the last attempt, which is never retried', async () => {
    const budget = new RetryBudget({ ratio: 0, minRetries: 1, windowMs: 10_000 });
    const options = {
      maxAttempts: 1,
      attemptTimeoutMs: 1_000,
      deadlineMs: 5_000,
      baseDelayMs: 1,
      maxDelayMs: 2,
      maxRetryAfterSeconds: 1,
    };
    await createPipeline([retryPolicy(options, undefined, budget)], async () => answer(503))(get());
    expect(budget.tryRetry()).toBe(true);
  });
});
