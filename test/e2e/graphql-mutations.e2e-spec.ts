import { GraphqlAnswer, startGateway, TestGateway } from './support/gateway';
import { graphqlProbe } from './support/graphql-probe';
import { ADVENTURE_WORKS, CONTOSO, SET_BUDGET, WOODGROVE_403 } from './support/ids';

const CORRELATION_ID = '3f2a9c1e-7b4d-4e6a-8c2f-1d0e9b8a7c6d';
const KEY = 'a1b2c3d4-0000-4000-8000-00000000beef';

/**
 * A mutation document runs whole or not at all when the input is bad: every root mutation field's input is checked
 * (literals and variables, with the resolver's own rules) once the operation is known and before any field runs.
 */
describe('GraphQL mutation documents', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ env: { USAGE_BUDGET_MAX_AMOUNT: '5000' } });
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const { partnerCenterCalls, send } = graphqlProbe(() => gateway, CORRELATION_ID);

  /** The whole document refused as the client's mistake: 400, no data, one error naming the field, nothing sent. */
  const expectRefused = (answer: GraphqlAnswer, path: string, field: string) => {
    expect(answer.status).toBe(400);
    expect(answer).not.toHaveProperty('data');
    expect(answer.errors).toEqual([
      expect.objectContaining({
        path: [path],
        extensions: expect.objectContaining({
          code: 'BAD_USER_INPUT',
          correlationId: CORRELATION_ID,
          errors: [expect.objectContaining({ field })],
        }),
      }),
    ]);
    expect(partnerCenterCalls()).toEqual([]);
  };

  it('refuses the whole document when one field has a bad literal input, and applies none of it', async () => {
    const answer = await send(`mutation {
      a: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 1 }) { amount }
      b: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: -1 }) { amount }
    }`);
    expectRefused(answer, 'b', 'amount');
  });

  it('refuses the whole document when one field has a bad input in variables', async () => {
    const answer = await send(
      `mutation ($a: UpdateUsageBudgetInput!, $b: UpdateUsageBudgetInput!) {
        a: updateUsageBudget(input: $a) { amount }
        b: updateUsageBudget(input: $b) { amount }
      }`,
      { a: { customerId: CONTOSO, amount: 1 }, b: { customerId: 'contoso', amount: 2 } },
    );
    expectRefused(answer, 'b', 'customerId');
  });

  it('checks variables used inside a literal input', async () => {
    const answer = await send(
      `mutation ($id: ID!, $amount: Float!) {
        first: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 2 }) { amount }
        second: updateUsageBudget(input: { customerId: $id, amount: $amount }) { amount }
      }`,
      { id: ADVENTURE_WORKS, amount: 5000.01 },
    );
    expectRefused(answer, 'second', 'amount');
  });

  it('refuses an explicit null variable where the input needs a value, before any field runs', async () => {
    const answer = await send(
      `mutation ($amount: Float = 1) {
        a: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 2 }) { amount }
        b: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: $amount }) { amount }
      }`,
      { amount: null },
    );
    expect(answer.status).toBe(400);
    expect(answer).not.toHaveProperty('data');
    expect(answer.errors).toEqual([
      expect.objectContaining({
        path: ['b'],
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', correlationId: CORRELATION_ID }),
      }),
    ]);
    expect(partnerCenterCalls()).toEqual([]);
  });

  it('refuses a malformed idempotency key in any field before anything runs', async () => {
    const answer = await send(`mutation {
      a: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 1, idempotencyKey: "${KEY}" }) { amount }
      b: updateUsageBudget(input: { customerId: "${ADVENTURE_WORKS}", amount: 2, idempotencyKey: "retry-1" }) { amount }
    }`);
    expectRefused(answer, 'b', 'idempotencyKey');
  });

  it('refuses one idempotency key naming two different changes, from the input or a header', async () => {
    const twoChanges = await send(`mutation {
      a: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 1, idempotencyKey: "${KEY}" }) { amount }
      b: updateUsageBudget(input: { customerId: "${ADVENTURE_WORKS}", amount: 1, idempotencyKey: "${KEY}" }) { amount }
    }`);
    expectRefused(twoChanges, 'b', 'idempotencyKey');

    const oneHeaderTwoChanges = await gateway.graphql(
      `mutation {
        a: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 1 }) { amount }
        b: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 2 }) { amount }
      }`,
      undefined,
      { 'ms-correlationid': CORRELATION_ID, 'Idempotency-Key': KEY },
    );
    expectRefused(oneHeaderTwoChanges, 'b', 'idempotencyKey');
  });

  it('applies the same change named twice under one key once', async () => {
    const answer = await send(`mutation {
      a: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 3, idempotencyKey: "${KEY}" }) { amount }
      b: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 3, idempotencyKey: "${KEY}" }) { amount }
    }`);
    expect(answer.data).toEqual({ a: { amount: 3 }, b: { amount: 3 } });
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
  });

  it('checks the fields a root fragment brings in', async () => {
    const answer = await send(`
      mutation { a: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 1 }) { amount } ...More }
      fragment More on Mutation { c: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: -5 }) { amount } }
    `);
    expectRefused(answer, 'c', 'amount');
  });

  it('does not check a field that @skip leaves out: it does not run', async () => {
    const answer = await send(
      `mutation ($skip: Boolean!) {
        a: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 7 }) { amount }
        b: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: -1 }) @skip(if: $skip) { amount }
      }`,
      { skip: true },
    );
    expect(answer.status).toBe(200);
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ a: { amount: 7 } });
    expect(partnerCenterCalls()).toEqual(['PATCH']);
  });

  it('still runs a valid single mutation', async () => {
    const answer = await gateway.graphql(SET_BUDGET, { input: { customerId: CONTOSO, amount: 321 } });
    expect(answer.status).toBe(200);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.updateUsageBudget).toMatchObject({ customerId: CONTOSO, amount: 321 });
    expect(partnerCenterCalls()).toEqual(['PATCH']);
  });

  it('runs valid fields one after another, in order, as before', async () => {
    const answer = await send(`mutation {
      a: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 11 }) { amount }
      b: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 12 }) { amount }
    }`);
    expect(answer.status).toBe(200);
    expect(answer.data).toEqual({ a: { amount: 11 }, b: { amount: 12 } });
    expect(partnerCenterCalls()).toEqual(['PATCH', 'PATCH']);
    const read = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    expect(read.data.amount).toBe(12);
  });

  it('answers an upstream refusal of valid input on its own field, as before; the fields before it stay applied', async () => {
    const answer = await send(`mutation {
      applied: updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 13 }) { amount }
      denied: updateUsageBudget(input: { customerId: "${WOODGROVE_403}", amount: 1 }) { amount }
    }`);
    expect(answer.status).toBe(200);
    // The field is non-null: graphql-js nulls the whole data for its error (executed, hence 200, not refused).
    expect(answer.data).toBeNull();
    expect(answer.errors).toEqual([
      expect.objectContaining({
        path: ['denied'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
    expect(partnerCenterCalls()).toEqual(['PATCH', 'PATCH']);
    const read = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    expect(read.data.amount).toBe(13);
  });
});
