import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, GET_BUDGET, SET_BUDGET } from './support/ids';

/** Issue 2, point 3: retry, Retry-After, bounded attempts, timeouts, token single-flight and refresh. */
describe('resilience of upstream calls', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const budgetCalls = () => gateway.sandbox.requestLog.entries({ target: 'partner-center' });

  it('retries a 503 with the same MS-RequestId and succeeds', async () => {
    gateway.sandbox.faults.add({ kind: 'status', status: 503, count: 2 });
    const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    expect(response.status).toBe(200);
    const calls = budgetCalls();
    expect(calls.map((c) => c.status)).toEqual([503, 503, 200]);
    expect(new Set(calls.map((c) => c.headers['ms-requestid'])).size).toBe(1);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
  });

  it('applies a retried PATCH once: same request id on every attempt', async () => {
    gateway.sandbox.faults.add({ kind: 'status', status: 500, method: 'PATCH', count: 1 });
    const answer = await gateway.graphql(SET_BUDGET, { input: { customerId: CONTOSO, amount: 321 } });
    expect(answer.data?.updateUsageBudget.amount).toBe(321);
    const patches = budgetCalls().filter((c) => c.method === 'PATCH');
    expect(patches).toHaveLength(2);
    expect(patches[0].headers['ms-requestid']).toBe(patches[1].headers['ms-requestid']);
  });

  it('applies a PATCH exactly once when the answer is lost after Partner Center applied it', async () => {
    gateway.sandbox.faults.add({ kind: 'drop-after-apply', customerId: CONTOSO, count: 1 });
    const response = await gateway.http.patch(`/v1/customers/${CONTOSO}/usagebudget`, { amount: 777 });
    expect(response.status).toBe(200);
    expect(response.data.amount).toBe(777);
    const patches = budgetCalls().filter((c) => c.method === 'PATCH');
    expect(patches).toHaveLength(2);
    expect(patches[1].headers['ms-requestid']).toBe(patches[0].headers['ms-requestid']);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
  });

  it('honours Retry-After on a 429 before trying again', async () => {
    gateway.sandbox.faults.add({ kind: 'status', status: 429, retryAfter: '1', count: 1 });
    const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    expect(response.status).toBe(200);
    const [throttled, retried] = budgetCalls();
    expect(throttled.status).toBe(429);
    expect(Date.parse(retried.at) - Date.parse(throttled.at)).toBeGreaterThanOrEqual(950);
  });

  it('honours a Retry-After given as an HTTP date', async () => {
    gateway.sandbox.faults.add({
      kind: 'status',
      status: 429,
      retryAfter: new Date(Date.now() + 2_000).toUTCString(),
      count: 1,
    });
    await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    const [throttled, retried] = budgetCalls();
    expect(Date.parse(retried.at) - Date.parse(throttled.at)).toBeGreaterThanOrEqual(900);
  });

  it("stops after the configured number of attempts and answers 503 with Partner Center's facts", async () => {
    gateway.sandbox.faults.add({
      kind: 'status',
      status: 503,
      code: 800003,
      description: 'Service unavailable',
    });
    const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    expect(budgetCalls()).toHaveLength(4);
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.data).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      partnerCenter: { status: 503, code: 800003 },
    });
  });

  it('never retries a 404 or a 403', async () => {
    await gateway.http.get('/v1/customers/9d3b2a1c-0000-4000-8000-00000000dead/usagebudget');
    gateway.sandbox.faults.add({ kind: 'status', status: 403, code: 20002, count: 1 });
    await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    expect(budgetCalls().map((c) => c.status)).toEqual([404, 403]);
  });

  it('retries a reset connection', async () => {
    gateway.sandbox.faults.add({ kind: 'reset', count: 1 });
    const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    expect(response.status).toBe(200);
    expect(budgetCalls()).toHaveLength(2);
  });

  it('refreshes the token once when Partner Center answers 401, then succeeds', async () => {
    await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    const tokensBefore = gateway.sandbox.tokenRequests();
    gateway.sandbox.revokeTokens();
    const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    expect(response.status).toBe(200);
    expect(gateway.sandbox.tokenRequests()).toBe(tokensBefore + 1);
    expect(
      budgetCalls()
        .slice(-2)
        .map((c) => c.status),
    ).toEqual([401, 200]);
  });
});

describe('one token request for many cold callers', () => {
  it('makes exactly one token request for 50 concurrent requests on a cold cache', async () => {
    const gateway = await startGateway();
    try {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => gateway.graphql(GET_BUDGET, { id: CONTOSO })),
      );
      expect(answers.every((a) => a.data?.customerUsageBudget.amount === 100)).toBe(true);
      expect(gateway.sandbox.tokenRequests()).toBe(1);
    } finally {
      await gateway.close();
    }
  });
});

describe('timeouts', () => {
  it('cuts a hung attempt and retries it', async () => {
    const gateway = await startGateway({ retry: { attemptTimeoutMs: 300, deadlineMs: 5_000 } });
    try {
      gateway.sandbox.faults.add({ kind: 'hang', count: 1 });
      const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(response.status).toBe(200);
      expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toHaveLength(2);
    } finally {
      await gateway.close();
    }
  });

  it('answers 504 / UPSTREAM_UNAVAILABLE when Partner Center never answers within the deadline', async () => {
    const gateway = await startGateway({
      retry: { attemptTimeoutMs: 200, deadlineMs: 700, maxAttempts: 10 },
    });
    try {
      gateway.sandbox.faults.add({ kind: 'hang' });
      const started = Date.now();
      const rest = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(rest.status).toBe(504);
      expect(rest.data.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(3_000);
      const gql = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
      expect(gql.errors?.[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      await gateway.close();
    }
  });
});
