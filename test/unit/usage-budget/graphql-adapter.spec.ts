import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import { SCHEMA_FILE } from '../../../src/graphql/generate-schema';
import { usageBudgetInputChecks } from '../../../src/usage-budget/usage-budget.resolver';
import { PartnerCenterError } from '../../../src/partner-center/errors/partner-center-error';
import { createUsageBudgetTestApp, FakePartnerCenterClient, testConfig } from './usage-budget-test-app';

const CUSTOMER = '0b8f6d5e-3c7a-4f21-9d8e-2a1b3c4d5e6f';
const GET_BUDGET =
  'query ($id: ID!) { customerUsageBudget(customerId: $id) { customerId amount usageSpendingBudget } }';
const UPDATE_BUDGET =
  'mutation ($input: UpdateUsageBudgetInput!) { updateUsageBudget(input: $input) { customerId amount } }';

describe('GraphQL usage-budget adapter', () => {
  let app: NestFastifyApplication;
  let partnerCenter: FakePartnerCenterClient;

  beforeAll(async () => {
    ({ app, partnerCenter } = await createUsageBudgetTestApp());
  });
  afterAll(() => app.close());
  beforeEach(() => {
    partnerCenter.calls.length = 0;
    partnerCenter.answer = async () => ({ amount: 100 });
  });

  const graphql = async (
    query: string,
    variables: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) => {
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query, variables },
      headers,
    });
    return response.json();
  };

  it('reads a budget, with usageSpendingBudget null when Partner Center gives none', async () => {
    const body = await graphql(GET_BUDGET, { id: CUSTOMER });
    expect(body).toEqual({
      data: { customerUsageBudget: { customerId: CUSTOMER, amount: 100, usageSpendingBudget: null } },
    });
  });

  it('keeps a null amount: the customer has no budget', async () => {
    partnerCenter.answer = async () => ({ amount: null, usageSpendingBudget: 0 });
    const body = await graphql(GET_BUDGET, { id: CUSTOMER });
    expect(body.data.customerUsageBudget).toEqual({
      customerId: CUSTOMER,
      amount: null,
      usageSpendingBudget: 0,
    });
  });

  it('sets a budget', async () => {
    const body = await graphql(UPDATE_BUDGET, { input: { customerId: CUSTOMER, amount: 42 } });
    expect(body.data.updateUsageBudget).toEqual({ customerId: CUSTOMER, amount: 42 });
    // One upstream call: the write does not read first.
    expect(partnerCenter.calls).toEqual([
      {
        operation: 'update',
        customerId: CUSTOMER,
        amount: 42,
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    ]);
  });

  it.each([
    ['a customer id that is not a GUID', { customerId: 'contoso', amount: 1 }, 'customerId'],
    ['a negative amount', { customerId: CUSTOMER, amount: -0.01 }, 'amount'],
    ['an amount over the maximum', { customerId: CUSTOMER, amount: 1e7 }, 'amount'],
  ])('refuses %s as BAD_USER_INPUT without an upstream call', async (_case, input, field) => {
    const correlationId = '11111111-2222-4333-8444-555555555555';
    const body = await graphql(UPDATE_BUDGET, { input }, { 'ms-correlationid': correlationId });
    expect(body.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      correlationId,
      errors: [expect.objectContaining({ field })],
    });
    expect(partnerCenter.calls).toHaveLength(0);
  });

  it('has input rules for every root field of the schema: no mutation document runs in part, no read escapes the maximum', () => {
    const schema = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
    const rootFields = [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
      Object.keys(type?.getFields() ?? {}),
    );
    const checked = usageBudgetInputChecks(testConfig().usageBudget);
    expect(Object.keys(checked).sort()).toEqual(rootFields.sort());
  });

  it.each([
    ['a string amount', { customerId: CUSTOMER, amount: 'abc' }],
    ['a boolean amount', { customerId: CUSTOMER, amount: true }],
    ['an unknown input field', { customerId: CUSTOMER, amount: 1, currency: 'EUR' }],
  ])("keeps graphql-js's BAD_USER_INPUT for %s", async (_case, input) => {
    const body = await graphql(UPDATE_BUDGET, { input });
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].extensions.correlationId).toEqual(expect.any(String));
    expect(partnerCenter.calls).toHaveLength(0);
  });

  it.each([
    ['not-found', 'NOT_FOUND'],
    ['forbidden', 'FORBIDDEN'],
    ['unauthenticated', 'UNAUTHENTICATED'],
    ['rate-limited', 'RATE_LIMITED'],
    ['unavailable', 'UPSTREAM_UNAVAILABLE'],
    ['timeout', 'UPSTREAM_UNAVAILABLE'],
    ['rejected', 'UPSTREAM_ERROR'],
  ] as const)('reports an upstream %s failure as %s with the Partner Center facts', async (kind, code) => {
    partnerCenter.answer = () =>
      Promise.reject(
        new PartnerCenterError({
          kind,
          source: 'partner-center',
          status: 404,
          code: '60003',
          description: 'Tenant not found.',
          requestId: 'rid',
          attempts: 1,
        }),
      );
    const body = await graphql(GET_BUDGET, { id: CUSTOMER });
    expect(body.data).toBeNull();
    expect(body.errors[0].extensions).toMatchObject({
      code,
      correlationId: expect.any(String),
      partnerCenter: {
        source: 'partner-center',
        status: 404,
        code: '60003',
        description: 'Tenant not found.',
        requestId: 'rid',
      },
    });
  });

  it('gives retryAfterSeconds for a throttled call and the claims of a challenge', async () => {
    partnerCenter.answer = () =>
      Promise.reject(
        new PartnerCenterError({
          kind: 'rate-limited',
          source: 'partner-center',
          status: 429,
          retryAfterSeconds: 30,
          attempts: 1,
        }),
      );
    expect((await graphql(GET_BUDGET, { id: CUSTOMER })).errors[0].extensions.retryAfterSeconds).toBe(30);
    partnerCenter.answer = () =>
      Promise.reject(
        new PartnerCenterError({
          kind: 'unauthenticated',
          source: 'entra-id',
          claims: '{"access_token":{}}',
          attempts: 1,
        }),
      );
    expect((await graphql(GET_BUDGET, { id: CUSTOMER })).errors[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      claims: '{"access_token":{}}',
    });
  });

  it('masks an unexpected error as INTERNAL_SERVER_ERROR', async () => {
    partnerCenter.answer = () =>
      Promise.reject(new Error('socket hang up at https://api.internal/v1?token=abc'));
    const body = await graphql(GET_BUDGET, { id: CUSTOMER });
    expect(body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(body.errors[0].message).not.toMatch(/socket|internal|token/);
  });

  it('serves a landing page to browsers outside production', async () => {
    const response = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(response.body).toMatch(/<html/i);
  });

  it('refuses a GET without a preflight header (CSRF prevention) and serves queries over GET with one', async () => {
    const url = `/graphql?query=${encodeURIComponent('{ customerUsageBudget(customerId: "' + CUSTOMER + '") { amount } }')}`;
    expect((await app.inject({ method: 'GET', url })).statusCode).toBe(400);
    const allowed = await app.inject({ method: 'GET', url, headers: { 'apollo-require-preflight': 'true' } });
    expect(allowed.json()).toEqual({ data: { customerUsageBudget: { amount: 100 } } });
  });
});

describe('GraphQL in production', () => {
  let app: NestFastifyApplication;
  let partnerCenter: FakePartnerCenterClient;

  beforeAll(async () => {
    ({ app, partnerCenter } = await createUsageBudgetTestApp(testConfig({ production: true })));
  });
  afterAll(() => app.close());

  it('serves no landing page', async () => {
    const response = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(response.body).not.toMatch(/<html/i);
  });

  it('sends no stack traces', async () => {
    partnerCenter.answer = () => Promise.reject(new Error('boom'));
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      payload: {
        query: `{ customerUsageBudget(customerId: "${'0b8f6d5e-3c7a-4f21-9d8e-2a1b3c4d5e6f'}") { amount } }`,
      },
    });
    expect(response.body).not.toMatch(/stacktrace|boom/);
    expect(response.json().errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
  });
});
