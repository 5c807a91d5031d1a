import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, GET_BUDGET } from './support/ids';
import { expectRateLimitedBeforeExecution } from './support/graphql-refusals';

/** Issue 4, point 5: hostile GraphQL and HTTP input is refused before anything reaches Partner Center. */
describe('hardening', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const upstreamCalls = () => gateway.sandbox.requestLog.entries({ target: 'partner-center' }).length;

  it('refuses an alias flood (each alias would be one more Partner Center call)', async () => {
    const aliases = Array.from(
      { length: 30 },
      (_, i) => `a${i}: customerUsageBudget(customerId: "${CONTOSO}") { amount }`,
    ).join(' ');
    const answer = await gateway.graphql(`{ ${aliases} }`);
    expect(answer.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.errors?.[0].message).toMatch(/aliases/);
    expect(upstreamCalls()).toBe(0);
  });

  it('refuses a deep query', async () => {
    const deep = `{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }`;
    const answer = await gateway.graphql(deep);
    expect(answer.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.errors?.[0].message).toMatch(/deep|introspection depth/);
  });

  it('refuses a fragment bomb by its expanded field count', async () => {
    const fields = Array.from({ length: 40 }, () => 'amount usageSpendingBudget customerId').join(' ');
    const query = `query { x: customerUsageBudget(customerId: "${CONTOSO}") { ...A ...A ...A } } fragment A on SpendingBudget { ${fields} }`;
    const answer = await gateway.graphql(query);
    expect(answer.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.errors?.[0].message).toMatch(/more than 100 fields/);
    expect(upstreamCalls()).toBe(0);
  });

  it('refuses an oversized document', async () => {
    const answer = await gateway.graphql(
      `{ customerUsageBudget(customerId: "${CONTOSO}") { amount } } # ${'x'.repeat(9_000)}`,
    );
    expect(answer.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.errors?.[0].message).toMatch(/characters long/);
    expect(upstreamCalls()).toBe(0);
  });

  it('refuses a batch of operations', async () => {
    const batch = Array.from({ length: 20 }, () => ({ query: GET_BUDGET, variables: { id: CONTOSO } }));
    const response = await gateway.http.post('/graphql', batch, {
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(upstreamCalls()).toBe(0);
  });

  it('refuses a CSRF-style simple request (no preflight, text/plain)', async () => {
    const response = await gateway.http.post(
      '/graphql',
      JSON.stringify({ query: GET_BUDGET, variables: { id: CONTOSO } }),
      {
        headers: { 'content-type': 'text/plain' },
      },
    );
    expect(response.status).toBe(400);
    expect(upstreamCalls()).toBe(0);
  });

  it('refuses a GET query without the preflight header', async () => {
    const response = await gateway.http.get('/graphql', {
      params: { query: GET_BUDGET, variables: JSON.stringify({ id: CONTOSO }) },
    });
    expect(response.status).toBe(400);
    expect(upstreamCalls()).toBe(0);
  });

  it('suggests the field meant outside production, where introspection is on anyway', async () => {
    const answer = await gateway.graphql(`{ customerUsageBudget(customerId: "${CONTOSO}") { amont } }`);
    expect(answer.errors?.[0].message).toMatch(/Did you mean "amount"\?/);
  });

  it('sends security headers on API answers', async () => {
    const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    });
  });
});

describe('production GraphQL', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      env: { NODE_ENV: 'production', ALLOW_SANDBOX_IN_PRODUCTION: 'true' },
    });
  });
  afterAll(() => gateway.close());

  it('has introspection and the landing page off, and masks unexpected errors', async () => {
    const answer = await gateway.graphql('{ __schema { queryType { name } } }');
    expect(answer.errors?.[0].message).toMatch(/introspection/i);
    const page = await gateway.http.get('/graphql', { headers: { accept: 'text/html' } });
    expect(String(page.data)).not.toMatch(/graphiql/i);
  });

  it.each([
    [
      'a misspelled field',
      `{ customerUsageBudget(customerId: "${CONTOSO}") { amont } }`,
      undefined,
      'amount',
    ],
    [
      'a misspelled input field',
      `mutation { updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 1, idempotencyKy: "x" }) { amount } }`,
      undefined,
      'idempotencyKey',
    ],
    [
      'a misspelled input field in variables',
      'mutation ($in: UpdateUsageBudgetInput!) { updateUsageBudget(input: $in) { amount } }',
      { in: { customerId: CONTOSO, amount: 1, idempotencyKy: 'x' } },
      'idempotencyKey',
    ],
  ])('suggests no schema name in answer to %s', async (_case, query, variables, hidden) => {
    const answer = await gateway.graphql(query, variables);
    expect(answer.status).toBe(400);
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0].message).toMatch(/is not defined|Cannot query field/);
    expect(answer.errors?.[0].message).not.toMatch(/did you mean/i);
    expect(answer.errors?.[0].message).not.toContain(`"${hidden}"`);
    expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toEqual([]);
  });
});

describe('per-caller rate limit', () => {
  it('answers 429 with Retry-After past the limit, on REST and GraphQL, without calling Partner Center', async () => {
    const gateway = await startGateway({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      for (let i = 0; i < 3; i += 1)
        expect((await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`)).status).toBe(200);
      const limited = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.data.code).toBe('RATE_LIMITED');
      // GraphQL is refused before execution: 429 and Retry-After too, and no `data`.
      const gql = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
      expectRateLimitedBeforeExecution(gql);
      expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toHaveLength(3);
    } finally {
      await gateway.close();
    }
  });

  it('counts a GraphQL request once, whatever its fields, `{ __typename }` included', async () => {
    const gateway = await startGateway({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const aliases = [1, 2, 3].map((i) => `a${i}: customerUsageBudget(customerId: "${CONTOSO}") { amount }`);
      const three = await gateway.graphql(`{ ${aliases.join(' ')} }`);
      expect(three.status).toBe(200);
      expect(three.data).toEqual({ a1: { amount: 100 }, a2: { amount: 100 }, a3: { amount: 100 } });
      expect((await gateway.graphql('{ __typename }')).status).toBe(200);
      expect((await gateway.graphql('{ __typename }')).status).toBe(200);
      expect((await gateway.graphql('{ __typename }')).status).toBe(429);
    } finally {
      await gateway.close();
    }
  });

  it("counts each authenticated caller on its own (the token's subject, counted after authentication), not by address", async () => {
    const gateway = await startGateway({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const tokenOf = async (oid: string) =>
        `Bearer ${await gateway.sandbox.issueCallerToken({ roles: ['UsageBudget.Read'], oid, sub: oid })}`;
      const alice = await tokenOf('0f6a3b2c-1111-4aaa-8bbb-000000000001');
      const bob = await tokenOf('0f6a3b2c-2222-4aaa-8bbb-000000000002');
      const read = (authorization: string) =>
        gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, { headers: { authorization } });
      expect((await read(alice)).status).toBe(200);
      expect((await read(alice)).status).toBe(200);
      expect((await read(alice)).status).toBe(429);
      // Same address, another subject: its own budget (a limit taken before authentication would be the address's).
      expect((await read(bob)).status).toBe(200);
      expect((await read(bob)).status).toBe(200);
      expect((await read(bob)).status).toBe(429);
    } finally {
      await gateway.close();
    }
  });
});
