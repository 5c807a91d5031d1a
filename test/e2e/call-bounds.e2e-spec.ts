import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, GET_BUDGET } from './support/ids';

/**
 * Issue 8, fault 3: attempts and the deadline bound the whole logical call, token refresh included. The bearer
 * policy signs inside the retry policy, so a 401 is one more attempt, never a second round of retries.
 */
describe('bounds of one logical call', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      retry: { maxAttempts: 4, deadlineMs: 1_000, attemptTimeoutMs: 500, baseDelayMs: 10, maxDelayMs: 50 },
    });
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const budgetCalls = () => gateway.sandbox.requestLog.entries({ target: 'partner-center' });

  it('a 401 followed by 503s makes at most maxAttempts calls, refreshing the token once', async () => {
    await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`); // a token in the cache
    gateway.sandbox.requestLog.clear();
    const tokensBefore = gateway.sandbox.tokenRequests();
    gateway.sandbox.faults.add({ kind: 'status', status: 401, count: 1 });
    gateway.sandbox.faults.add({ kind: 'status', status: 503 });

    const started = Date.now();
    const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    const elapsed = Date.now() - started;

    expect(response.status).toBe(503);
    expect(response.data.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(budgetCalls().map((c) => c.status)).toEqual([401, 503, 503, 503]);
    expect(new Set(budgetCalls().map((c) => c.headers['ms-requestid'])).size).toBe(1);
    expect(gateway.sandbox.tokenRequests() - tokensBefore).toBe(1);
    expect(elapsed).toBeLessThan(1_500); // the deadline (1 s) plus the time to answer, never a second deadline
  });

  it('a 401 then hanging attempts end at the deadline, not a deadline per token refresh', async () => {
    gateway.sandbox.faults.add({ kind: 'status', status: 401, count: 1 });
    gateway.sandbox.faults.add({ kind: 'hang' });
    const started = Date.now();
    const answer = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
    const elapsed = Date.now() - started;
    expect(answer.errors?.[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(budgetCalls().length).toBeLessThanOrEqual(4);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('a write with no answer and a confirming read that hangs too ends within one deadline, not two', async () => {
    gateway.sandbox.faults.add({ kind: 'hang', method: 'PATCH' });
    gateway.sandbox.faults.add({ kind: 'hang', method: 'GET' });
    const started = Date.now();
    const response = await gateway.http.patch(`/v1/customers/${CONTOSO}/usagebudget`, { amount: 12 });
    const elapsed = Date.now() - started;
    expect(response.status).toBe(504);
    expect(response.data.code).toBe('OUTCOME_UNKNOWN');
    expect(budgetCalls().map((c) => c.method)).toContain('GET'); // the confirming read was made
    expect(elapsed).toBeLessThan(1_500); // the write leaves the read its share of the deadline
  });
});
