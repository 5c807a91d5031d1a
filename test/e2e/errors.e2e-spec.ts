import { startGateway, TestGateway } from './support/gateway';
import {
  ADVENTURE_WORKS,
  CONTOSO,
  GET_BUDGET,
  SET_BUDGET,
  TAILSPIN_EMPTY_404,
  UNKNOWN_CUSTOMER,
  WOODGROVE_403,
} from './support/ids';

/** Issue 2, point 5: bad input never reaches Partner Center; every upstream failure has a stable code. */
const path = (id: string) => `/v1/customers/${id}/usagebudget`;

describe('errors', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ env: { USAGE_BUDGET_MAX_AMOUNT: '1000000' } });
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const upstreamCalls = () => gateway.sandbox.requestLog.entries({ target: 'partner-center' }).length;

  describe('bad input is rejected with no upstream call', () => {
    it.each([
      ['a customer id that is not a GUID', 'not-a-guid', { amount: 1 }],
      ['a GUID with a path trick', '..%2F..%2Fadmin', { amount: 1 }],
      ['a negative amount', CONTOSO, { amount: -1 }],
      ['an amount above the maximum', CONTOSO, { amount: 1_000_001 }],
      ['an absurd amount', CONTOSO, { amount: 1e308 }],
      ['an amount given as a string', CONTOSO, { amount: '100' }],
      ['a missing amount', CONTOSO, {}],
      ['a null amount', CONTOSO, { amount: null }],
      ['an unknown field', CONTOSO, { amount: 5, currency: 'EUR' }],
      ['a wrong ObjectType', CONTOSO, { Amount: 5, Attributes: { ObjectType: 'Customer' } }],
    ])('REST PATCH: %s → 400 problem+json', async (_name, id, body) => {
      const response = await gateway.http.patch(path(id), body);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.data).toMatchObject({
        status: 400,
        code: 'BAD_USER_INPUT',
        correlationId: expect.any(String),
      });
      expect(upstreamCalls()).toBe(0);
    });

    it('REST GET with an id that is not a GUID → 400', async () => {
      const response = await gateway.http.get(path('12345'));
      expect(response.status).toBe(400);
      expect(upstreamCalls()).toBe(0);
    });

    it('malformed JSON → 400 problem+json', async () => {
      const response = await gateway.http.patch(path(CONTOSO), '{"amount": 1', {
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(upstreamCalls()).toBe(0);
    });

    it('an oversized body → 413 problem+json', async () => {
      const response = await gateway.http.patch(path(CONTOSO), { amount: 1, padding: 'x'.repeat(100_000) });
      expect(response.status).toBe(413);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(upstreamCalls()).toBe(0);
    });

    it.each([
      ['a customer id that is not a GUID', { customerId: 'nope', amount: 1 }],
      ['a negative amount', { customerId: CONTOSO, amount: -0.01 }],
      ['an amount above the maximum', { customerId: CONTOSO, amount: 5_000_000 }],
      ['an amount given as a string', { customerId: CONTOSO, amount: 'lots' }],
      ['an unknown input field', { customerId: CONTOSO, amount: 1, currency: 'EUR' }],
    ])('GraphQL mutation: %s → BAD_USER_INPUT', async (_name, input) => {
      const answer = await gateway.graphql(SET_BUDGET, { input });
      expect(answer.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0].extensions.correlationId).toEqual(expect.any(String));
      expect(upstreamCalls()).toBe(0);
    });

    it('GraphQL query with an id that is not a GUID → BAD_USER_INPUT', async () => {
      const answer = await gateway.graphql(GET_BUDGET, { id: 'x' });
      expect(answer.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(upstreamCalls()).toBe(0);
    });
  });

  describe('upstream failures map to stable codes', () => {
    /** Throttled whatever Partner Center said of the wait: both APIs answer RATE_LIMITED and ask for one second. */
    async function expectToldToWaitOneSecond(): Promise<void> {
      const rest = await gateway.http.get(path(CONTOSO));
      expect(rest.status).toBe(429);
      expect(rest.headers['retry-after']).toBe('1');
      expect(rest.data).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
      const gql = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
      expect(gql.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    }

    it('404 with a Partner Center body → NOT_FOUND / 404', async () => {
      const rest = await gateway.http.get(path(UNKNOWN_CUSTOMER));
      expect(rest.status).toBe(404);
      expect(rest.data).toMatchObject({
        code: 'NOT_FOUND',
        partnerCenter: { status: 404, code: expect.anything() },
      });
      const gql = await gateway.graphql(GET_BUDGET, { id: UNKNOWN_CUSTOMER });
      expect(gql.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', partnerCenter: { status: 404 } });
    });

    it('404 with an empty body → NOT_FOUND / 404', async () => {
      const rest = await gateway.http.get(path(TAILSPIN_EMPTY_404));
      expect(rest.status).toBe(404);
      expect(rest.data.code).toBe('NOT_FOUND');
    });

    it('403 code 20002 (no commerce relationship) → FORBIDDEN / 403', async () => {
      const rest = await gateway.http.get(path(WOODGROVE_403));
      expect(rest.status).toBe(403);
      expect(rest.data).toMatchObject({ code: 'FORBIDDEN', partnerCenter: { status: 403, code: 20002 } });
      const gql = await gateway.graphql(GET_BUDGET, { id: WOODGROVE_403 });
      expect(gql.errors?.[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        partnerCenter: { status: 403, code: 20002 },
      });
    });

    it('429 on every attempt → RATE_LIMITED / 429 after the last attempt', async () => {
      gateway.sandbox.faults.add({ kind: 'status', status: 429, retryAfter: '0' });
      const rest = await gateway.http.get(path(CONTOSO));
      expect(rest.status).toBe(429);
      expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toHaveLength(4);
    });

    it('429 naming no wait on every attempt → RATE_LIMITED / 429 still with Retry-After', async () => {
      // Neither a Retry-After nor "Try again in N seconds": the caller is still told when to come back (the
      // gateway's own pause), as a 429 must for clients written against Partner Center (the .NET SDK throws).
      gateway.sandbox.faults.add({
        kind: 'status',
        status: 429,
        retryAfter: 'none',
        body: '{"statusCode":429,"message":"Rate limit is exceeded."}',
      });
      await expectToldToWaitOneSecond();
    });

    it('429 with Retry-After: 0 on every attempt → RATE_LIMITED / 429 never telling the caller to retry at once', async () => {
      // The gateway has spent its attempts on those 429s: "retry after 0 seconds" would invite the caller to
      // hammer a throttled Partner Center (its guidance: never retry at once).
      gateway.sandbox.faults.add({ kind: 'status', status: 429, retryAfter: '0' });
      await expectToldToWaitOneSecond();
    });

    it('500 on every attempt → UPSTREAM_UNAVAILABLE / 503', async () => {
      gateway.sandbox.faults.add({
        kind: 'status',
        status: 500,
        code: 800003,
        description: 'Unexpected service error',
      });
      const gql = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
      expect(gql.errors?.[0].extensions).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        partnerCenter: { status: 500, code: 800003, description: 'Unexpected service error' },
      });
    });

    it('a 503 whose Retry-After is too long to wait → UPSTREAM_UNAVAILABLE / 503 passing that Retry-After on', async () => {
      gateway.sandbox.faults.add({ kind: 'status', status: 503, retryAfter: '120', count: 1 });
      const rest = await gateway.http.get(path(CONTOSO));
      expect(rest.status).toBe(503);
      expect(rest.headers['retry-after']).toBe('120');
      expect(rest.data).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 120 });
    });

    it('connection reset on every attempt → UPSTREAM_UNAVAILABLE / 503', async () => {
      gateway.sandbox.faults.add({ kind: 'reset' });
      const rest = await gateway.http.get(path(CONTOSO));
      expect(rest.status).toBe(503);
      expect(rest.data.code).toBe('UPSTREAM_UNAVAILABLE');
    });

    it("a 400 Partner Center refuses → UPSTREAM_ERROR / Partner Center's 400 with its code", async () => {
      gateway.sandbox.faults.add({
        kind: 'status',
        status: 400,
        code: 900118,
        description: 'Invalid customer id',
        count: 1,
      });
      const rest = await gateway.http.get(path(CONTOSO));
      expect(rest.status).toBe(400);
      expect(rest.data).toMatchObject({
        code: 'UPSTREAM_ERROR',
        partnerCenter: { status: 400, code: 900118 },
      });
    });

    it('a 401 that survives a token refresh → UNAUTHENTICATED', async () => {
      gateway.sandbox.faults.add({
        kind: 'status',
        status: 401,
        code: 800001,
        description: 'Partner token missing',
        count: 2,
      });
      const gql = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
      expect(gql.errors?.[0].extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        partnerCenter: { status: 401, code: 800001 },
      });
    });

    it('a 401 that survives a token refresh, on REST → 401 problem+json with WWW-Authenticate (RFC 9110)', async () => {
      gateway.sandbox.faults.add({ kind: 'status', status: 401, code: 800001, count: 2 });
      const rest = await gateway.http.get(path(CONTOSO));
      expect(rest.status).toBe(401);
      expect(rest.data).toMatchObject({
        code: 'UNAUTHENTICATED',
        partnerCenter: { status: 401, code: 800001 },
      });
      expect(rest.headers['www-authenticate']).toBe('Bearer');
    });

    it('a 200 that is not a SpendingBudget → UPSTREAM_ERROR', async () => {
      gateway.sandbox.faults.add({ kind: 'status', status: 200, body: '<html>maintenance</html>', count: 1 });
      const rest = await gateway.http.get(path(CONTOSO));
      expect(rest.status).toBe(502);
      expect(rest.data.code).toBe('UPSTREAM_ERROR');
    });

    it.each([
      [204, ''],
      [200, '<html>maintenance</html>'],
      [200, '{}'],
      [200, '{"amount":"321"}'],
      [200, '{"amount":5}'],
    ])(
      'a PATCH answered %i %s is settled by a read: OUTCOME_UNKNOWN with the key when the read does not show it',
      async (status, body) => {
        // Neither "applied" (a proxy's maintenance page may come with 200) nor "refused" (a 204 is a success).
        gateway.sandbox.faults.add({ kind: 'status', status, body, method: 'PATCH', count: 2 });
        const rest = await gateway.http.patch(path(CONTOSO), { amount: 321 });
        expect(rest.status).toBe(504);
        expect(rest.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: expect.any(String) });
        const gql = await gateway.graphql(SET_BUDGET, { input: { customerId: CONTOSO, amount: 322 } });
        expect(gql.errors?.[0].extensions.code).toBe('OUTCOME_UNKNOWN');
        expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' }).map((c) => c.method)).toEqual(
          ['PATCH', 'GET', 'PATCH', 'GET'],
        );
      },
    );

    it('a PATCH answered 204 whose change the read shows is a success', async () => {
      expect((await gateway.http.patch(path(CONTOSO), { amount: 323 })).status).toBe(200);
      gateway.sandbox.faults.add({ kind: 'status', status: 204, body: '', method: 'PATCH', count: 1 });
      const rest = await gateway.http.patch(path(CONTOSO), { amount: 323 });
      expect(rest.status).toBe(200);
      expect(rest.data.amount).toBe(323);
    });

    it('the problem body carries no upstream URL, token or stack', async () => {
      gateway.sandbox.faults.add({ kind: 'status', status: 500 });
      const rest = await gateway.http.get(path(CONTOSO));
      const text = JSON.stringify(rest.data);
      expect(text).not.toContain(gateway.sandbox.url);
      expect(text).not.toMatch(/eyJ|Bearer|at .*\.ts:\d+/);
    });
  });
});

describe('token endpoint failures', () => {
  it('Entra ID down → UPSTREAM_UNAVAILABLE / 503 (source identity)', async () => {
    const gateway = await startGateway({
      sandboxOptions: { faults: [{ target: 'token', kind: 'status', status: 503 }] },
    });
    try {
      const rest = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(rest.status).toBe(503);
      expect(rest.data.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toHaveLength(0);
    } finally {
      await gateway.close();
    }
  });

  it('Entra ID throttling without Retry-After → RATE_LIMITED / 429 still with Retry-After', async () => {
    const gateway = await startGateway({
      sandboxOptions: { faults: [{ target: 'token', kind: 'status', status: 429, retryAfter: 'none' }] },
    });
    try {
      const rest = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(rest.status).toBe(429);
      expect(rest.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(rest.data).toMatchObject({ code: 'RATE_LIMITED', partnerCenter: { source: 'entra-id' } });
      const gql = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
      expect(gql.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(gql.errors?.[0].extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    } finally {
      await gateway.close();
    }
  });

  it('a wrong client secret → UPSTREAM_ERROR / 502 with the Entra error, and no secret in the answer', async () => {
    const gateway = await startGateway({
      partnerCenter: { credential: { kind: 'secret', clientSecret: 'wrong-secret-value' } },
    });
    try {
      const rest = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(rest.status).toBe(502);
      expect(rest.data).toMatchObject({ code: 'UPSTREAM_ERROR', partnerCenter: { code: 'invalid_client' } });
      expect(JSON.stringify(rest.data)).not.toContain('wrong-secret-value');
      const gql = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
      expect(gql.errors?.[0].extensions.code).toBe('UPSTREAM_ERROR');
    } finally {
      await gateway.close();
    }
  });

  it('a hung token endpoint fails the call instead of hanging it', async () => {
    const gateway = await startGateway({
      retry: { attemptTimeoutMs: 300 },
      sandboxOptions: { faults: [{ target: 'token', kind: 'hang' }] },
    });
    try {
      const rest = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(rest.status).toBeGreaterThanOrEqual(502);
      expect(rest.data.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      await gateway.close();
    }
  });
});

/** Its own gateway: the throttle gate remembers a 429's Retry-After for the whole process, as it should. */
describe('a 429 with a Retry-After too long to wait', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  it('answers RATE_LIMITED / 429 with Retry-After, then pauses that customer without calling Partner Center', async () => {
    gateway.sandbox.faults.add({ kind: 'status', status: 429, retryAfter: '57', count: 1 });
    const rest = await gateway.http.get(path(CONTOSO));
    expect(rest.status).toBe(429);
    expect(rest.headers['retry-after']).toBe('57');
    expect(rest.data).toMatchObject({ code: 'RATE_LIMITED', partnerCenter: { status: 429 } });
    gateway.sandbox.requestLog.clear();

    const gql = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
    expect(gql.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(gql.errors?.[0].extensions.retryAfterSeconds).toBeGreaterThan(50);
    expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toHaveLength(0);

    // Another customer's calls still go out: one customer's 429 pauses that customer only.
    const other = await gateway.http.get(path(ADVENTURE_WORKS));
    expect(other.status).toBe(200);
  });
});
