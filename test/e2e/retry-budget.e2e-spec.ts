import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO } from './support/ids';

/** Issue 10, point 3: under a full outage, retries stay within the budget instead of multiplying the load. */
describe('retry budget', () => {
  let gateway: TestGateway;
  afterEach(() => gateway?.close());

  const LOGICAL_CALLS = 30;
  const budgetCalls = () => gateway.sandbox.requestLog.entries({ target: 'partner-center' });

  async function outage(env: Record<string, string>): Promise<number[]> {
    gateway = await startGateway({
      // The breaker is set out of reach so that only the budget limits the retries here.
      env: { PARTNER_CENTER_CIRCUIT_FAILURE_THRESHOLD: '1000', ...env },
      retry: { maxAttempts: 4 },
    });
    expect((await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`)).status).toBe(200);
    gateway.sandbox.requestLog.clear();
    gateway.sandbox.faults.add({ kind: 'status', status: 503 });
    const statuses: number[] = [];
    for (let i = 0; i < LOGICAL_CALLS; i += 1) {
      statuses.push((await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`)).status);
    }
    return statuses;
  }

  it('caps retries at the minimum plus the share of recent calls', async () => {
    const statuses = await outage({
      PARTNER_CENTER_RETRY_BUDGET_RATIO: '0.2',
      PARTNER_CENTER_RETRY_BUDGET_MIN_RETRIES: '3',
    });
    expect(statuses.every((s) => s === 503)).toBe(true);
    // 31 logical calls in the window (the warm-up included): at most 3 + 0.2 × 31 = 9 retries.
    const upstream = budgetCalls();
    expect(upstream.length).toBeGreaterThanOrEqual(LOGICAL_CALLS);
    expect(upstream.length - LOGICAL_CALLS).toBeLessThanOrEqual(9);
    expect(upstream.length - LOGICAL_CALLS).toBeGreaterThanOrEqual(3);
    // Most calls went out once: once the budget ran dry, a retry is only earned back every fifth call.
    const retried = new Set(upstream.filter((e) => e.attempt > 1).map((e) => e.headers['ms-requestid']));
    expect(retried.size).toBeLessThanOrEqual(9);
    expect(new Set(upstream.map((e) => e.headers['ms-requestid'])).size).toBe(LOGICAL_CALLS);
  });

  it('without a budget worth the name, every call would use all its attempts', async () => {
    await outage({ PARTNER_CENTER_RETRY_BUDGET_RATIO: '10' });
    expect(budgetCalls()).toHaveLength(LOGICAL_CALLS * 4);
  });
});
