import { PartnerCenterError } from '../../../src/partner-center/errors/partner-center-error';
import type { PipelineRequest } from '../../../src/partner-center/pipeline/pipeline';
import { QuotaShaper } from '../../../src/partner-center/quota/quota-shaper';
import { quotaPausePolicy } from '../../../src/partner-center/quota/quota.policies';

const OPTIONS = { minConcurrency: 1, maxConcurrency: 8, initialConcurrency: 4, maxRequestsPerSecond: 0 };
const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const FABRIKAM = 'c0000002-0000-4000-8000-000000000002';

const attempt = (customerId: string, deadlineInMs = 10_000): PipelineRequest => ({
  method: 'GET',
  url: `https://pc.example/v1/customers/${customerId}/usagebudget`,
  requestId: '7f6d1c2e-0000-4000-8000-000000000001',
  headers: {},
  state: { unansweredAttempt: true },
  timeoutMs: 2_000,
  deadlineAt: Date.now() + deadlineInMs,
});

const OK = { status: 200, headers: {}, body: '{}' };

describe('a retry attempt whose scope is paused', () => {
  it('is sent at once when no scope is paused', async () => {
    const next = jest.fn().mockResolvedValue(OK);
    await expect(
      quotaPausePolicy(new QuotaShaper(OPTIONS), 5_000).sendRequest(attempt(CONTOSO), next),
    ).resolves.toBe(OK);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it('is sent at once when only another customer is paused', async () => {
    const quota = new QuotaShaper(OPTIONS);
    quota.throttled(FABRIKAM, 60_000);
    const next = jest.fn().mockResolvedValue(OK);
    await quotaPausePolicy(quota, 5_000).sendRequest(attempt(CONTOSO), next);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['longer than a call may wait', 30_000, 10_000],
    ['ending past the call’s deadline', 3_000, 2_000],
  ])('answers RATE_LIMITED without a request for a pause %s', async (_case, pauseMs, deadlineInMs) => {
    const quota = new QuotaShaper(OPTIONS);
    quota.throttled(CONTOSO, pauseMs);
    const next = jest.fn().mockResolvedValue(OK);
    const request = attempt(CONTOSO, deadlineInMs);
    const sent = quotaPausePolicy(quota, 5_000).sendRequest(request, next);
    await expect(sent).rejects.toBeInstanceOf(PartnerCenterError);
    await expect(sent).rejects.toMatchObject({ kind: 'rate-limited', status: 429 });
    expect(next).not.toHaveBeenCalled();
    // Never sent: a PATCH stopped here is known not applied.
    expect(request.state.unansweredAttempt).toBe(false);
  });
});
