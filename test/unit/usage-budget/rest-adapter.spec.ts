import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PartnerCenterError } from '../../../src/partner-center/errors/partner-center-error';
import { createUsageBudgetTestApp, FakePartnerCenterClient } from './usage-budget-test-app';

const CUSTOMER = '0b8f6d5e-3c7a-4f21-9d8e-2a1b3c4d5e6f';
const PATH = `/v1/customers/${CUSTOMER}/usagebudget`;

describe('REST usage-budget adapter', () => {
  let app: NestFastifyApplication;
  let partnerCenter: FakePartnerCenterClient;

  beforeAll(async () => {
    ({ app, partnerCenter } = await createUsageBudgetTestApp());
  });
  afterAll(() => app.close());
  beforeEach(() => {
    partnerCenter.calls.length = 0;
    partnerCenter.answer = async () => ({ amount: 100, usageSpendingBudget: 100 });
  });

  const patch = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'PATCH',
      url: PATH,
      payload: payload as string,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it("answers GET with Partner Center's resource shape", async () => {
    const response = await app.inject({ method: 'GET', url: PATH });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      amount: 100,
      usageSpendingBudget: 100,
      attributes: { objectType: 'SpendingBudget' },
      links: { self: { uri: PATH, method: 'GET', headers: [] } },
    });
    expect(partnerCenter.calls).toEqual([{ operation: 'get', customerId: CUSTOMER }]);
  });

  it('keeps a null amount and leaves out an absent usageSpendingBudget', async () => {
    partnerCenter.answer = async () => ({ amount: null });
    const body = (await app.inject({ method: 'GET', url: PATH })).json();
    expect(body.amount).toBeNull();
    expect(body).not.toHaveProperty('usageSpendingBudget');
  });

  it('sets the budget from a camelCase body', async () => {
    const response = await patch({ amount: 250.5 });
    expect(response.statusCode).toBe(200);
    // One upstream call: the write does not read first.
    expect(partnerCenter.calls).toEqual([
      {
        operation: 'update',
        customerId: CUSTOMER,
        amount: 250.5,
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    ]);
  });

  it("accepts Partner Center's own PascalCase body", async () => {
    const response = await patch({ Amount: 100, Attributes: { ObjectType: 'SpendingBudget' } });
    expect(response.statusCode).toBe(200);
    // One upstream call: the write does not read first.
    expect(partnerCenter.calls).toEqual([
      {
        operation: 'update',
        customerId: CUSTOMER,
        amount: 100,
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    ]);
  });

  it.each([
    ['a string amount', { amount: '100' }, 'amount'],
    ['a boolean amount', { amount: true }, 'amount'],
    ['a missing amount', {}, 'amount'],
    ['a negative amount', { amount: -1 }, 'amount'],
    ['an amount over the maximum', { amount: 1_000_001 }, 'amount'],
    ['an unknown field', { amount: 1, currency: 'EUR' }, 'currency'],
    ['a wrong ObjectType', { Amount: 1, Attributes: { ObjectType: 'Customer' } }, 'attributes.objectType'],
    [
      'an unknown attribute',
      { amount: 1, attributes: { objectType: 'SpendingBudget', etag: 'x' } },
      'attributes.etag',
    ],
    ['the same property in two cases', { amount: 1, Amount: 2 }, 'amount'],
    ['a JSON array', [{ amount: 1 }], ''],
  ])('refuses %s with 400 problem+json and no upstream call', async (_case, body, field) => {
    const response = await patch(body);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const problem = response.json();
    expect(problem).toMatchObject({
      status: 400,
      code: 'BAD_USER_INPUT',
      type: 'https://usage-budget-gateway/problems/invalid-input',
    });
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(partnerCenter.calls).toHaveLength(0);
  });

  it('refuses a customer id that is not a GUID, on GET and PATCH, without an upstream call', async () => {
    const get = await app.inject({ method: 'GET', url: '/v1/customers/contoso/usagebudget' });
    const update = await app.inject({
      method: 'PATCH',
      url: '/v1/customers/contoso/usagebudget',
      payload: { amount: 1 },
    });
    for (const response of [get, update]) {
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([
        { field: 'customerId', message: expect.stringContaining('GUID') },
      ]);
    }
    expect(partnerCenter.calls).toHaveLength(0);
  });

  it('answers malformed JSON with 400 problem+json carrying the correlation id', async () => {
    const correlationId = '11111111-2222-4333-8444-555555555555';
    const response = await patch('{"amount": ', { 'ms-correlationid': correlationId });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.json()).toMatchObject({ code: 'BAD_USER_INPUT', status: 400, correlationId });
    expect(response.headers['ms-correlationid']).toBe(correlationId);
  });

  it('answers an oversized body with 413 problem+json', async () => {
    const response = await patch(JSON.stringify({ amount: 1, padding: 'x'.repeat(2048) }));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      status: 413,
      detail: 'The request body is larger than 1024 bytes.',
    });
    expect(partnerCenter.calls).toHaveLength(0);
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/customers' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.json()).toMatchObject({
      code: 'ROUTE_NOT_FOUND',
      status: 404,
      correlationId: expect.any(String),
    });
  });

  it.each([
    ['not-found', 404, 'NOT_FOUND'],
    ['forbidden', 403, 'FORBIDDEN'],
    ['unauthenticated', 401, 'UNAUTHENTICATED'],
    ['rate-limited', 429, 'RATE_LIMITED'],
    ['unavailable', 503, 'UPSTREAM_UNAVAILABLE'],
    ['timeout', 504, 'UPSTREAM_UNAVAILABLE'],
    ['rejected', 502, 'UPSTREAM_ERROR'],
  ] as const)('answers an upstream %s failure with %i %s', async (kind, status, code) => {
    partnerCenter.answer = () =>
      Promise.reject(
        new PartnerCenterError({
          kind,
          source: 'partner-center',
          status: 418,
          code: 600,
          description: 'upstream says',
          requestId: 'rid',
          attempts: 1,
        }),
      );
    const response = await app.inject({ method: 'GET', url: PATH });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({
      code,
      status,
      partnerCenter: {
        source: 'partner-center',
        status: 418,
        code: 600,
        description: 'upstream says',
        requestId: 'rid',
      },
    });
  });

  it('passes Retry-After on for a throttled call', async () => {
    partnerCenter.answer = () =>
      Promise.reject(
        new PartnerCenterError({
          kind: 'rate-limited',
          source: 'partner-center',
          status: 429,
          retryAfterSeconds: 57,
          attempts: 2,
        }),
      );
    const response = await app.inject({ method: 'GET', url: PATH });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('57');
    expect(response.json().retryAfterSeconds).toBe(57);
  });

  it('answers an unexpected error with a bare 500: no message, no stack', async () => {
    partnerCenter.answer = () =>
      Promise.reject(new Error('connect ECONNREFUSED https://secret.internal/token?key=abc'));
    const response = await app.inject({ method: 'GET', url: PATH });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', status: 500 });
    expect(response.body).not.toMatch(/ECONNREFUSED|secret|stack|at /);
  });

  it('serves the OpenAPI document describing both operations and the problem responses', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    const operations = document.paths['/v1/customers/{customerId}/usagebudget'];
    expect(Object.keys(operations).sort()).toEqual(['get', 'patch']);
    for (const status of ['400', '401', '403', '404', '429', '502', '503', '504']) {
      expect(operations.patch.responses[status].content['application/problem+json'].schema.$ref).toBe(
        '#/components/schemas/ProblemDetailsSchema',
      );
    }
    expect(document.components.schemas).toHaveProperty('UpdateUsageBudgetBody');
    expect(document.components.schemas).toHaveProperty('SpendingBudgetResource');
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(200);
  });
});
