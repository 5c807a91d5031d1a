import { randomUUID } from 'node:crypto';
import { READ_WRITE } from '../../src/auth/permissions';
import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, GUID, SET_BUDGET } from './support/ids';

/**
 * Issue 8, fault 4: a caller's own idempotency key (MS-RequestId, Idempotency-Key, GraphQL idempotencyKey) reaches
 * Partner Center as one upstream MS-RequestId per caller and key, so a caller's retry is applied once and two callers
 * that send the same key never collide.
 */
describe("the caller's idempotency key", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const patches = () =>
    gateway.sandbox.requestLog.entries({ target: 'partner-center' }).filter((c) => c.method === 'PATCH');
  const patch = (amount: number, headers: Record<string, string>) =>
    gateway.http.patch(`/v1/customers/${CONTOSO}/usagebudget`, { amount }, { headers });

  it('applies a PATCH sent twice at once with the same MS-RequestId once: one upstream id, and echoes the id', async () => {
    const requestId = randomUUID();
    const [first, retry] = await Promise.all([
      patch(300, { 'MS-RequestId': requestId }),
      patch(300, { 'MS-RequestId': requestId }),
    ]);
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(first.headers['ms-requestid']).toBe(requestId);
    expect(retry.headers['ms-requestid']).toBe(requestId);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
    const [a, b] = patches();
    expect(a.headers['ms-requestid']).toBe(b.headers['ms-requestid']);
    expect(a.headers['ms-requestid']).toMatch(GUID);
    // The upstream id is derived from the caller and the key, not the key itself.
    expect(a.headers['ms-requestid']).not.toBe(requestId);
  });

  it('answers a later retry from the recorded outcome, without asking Partner Center again', async () => {
    const requestId = randomUUID();
    const first = await patch(302, { 'MS-RequestId': requestId });
    const retry = await patch(302, { 'MS-RequestId': requestId });
    expect(retry.status).toBe(200);
    expect(retry.data).toEqual(first.data);
    expect(patches()).toHaveLength(1);
  });

  it('refuses the same key for a different change instead of applying either', async () => {
    const requestId = randomUUID();
    await patch(303, { 'MS-RequestId': requestId });
    const reused = await patch(304, { 'MS-RequestId': requestId });
    expect(reused.status).toBe(400);
    expect(reused.data.code).toBe('BAD_USER_INPUT');
    expect(patches()).toHaveLength(1);
  });

  it('refuses the same key sent at once for different changes: one is applied, each caller told the truth', async () => {
    const key = randomUUID();
    const amounts = [501, 502, 503, 501, 502, 503];
    const answers = await Promise.all(amounts.map((amount) => patch(amount, { 'Idempotency-Key': key })));
    const applied = answers.filter((answer) => answer.status === 200);
    expect(applied.length).toBeGreaterThanOrEqual(1);
    // Every 200 is for the amount its caller asked; every other answer is the key's refusal.
    applied.forEach((answer) => expect(answer.data.amount).toBe(amounts[answers.indexOf(answer)]));
    expect(new Set(applied.map((answer) => answer.data.amount)).size).toBe(1);
    answers
      .filter((answer) => answer.status !== 200)
      .forEach((answer) => {
        expect(answer.status).toBe(400);
        expect(answer.data.errors[0]).toMatchObject({ field: 'idempotencyKey' });
      });
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
  });

  it('refuses a key reused for another change after the gateway lost its record, trusting no replay of another', async () => {
    const key = randomUUID();
    expect((await patch(310, { 'Idempotency-Key': key })).status).toBe(200);
    // A new gateway remembers nothing (a fleet whose Redis was flushed): Partner Center replays the first change.
    const amnesiac = await startGateway({ sandbox: gateway.sandbox });
    try {
      const reused = await amnesiac.http.patch(
        `/v1/customers/${CONTOSO}/usagebudget`,
        { amount: 311 },
        { headers: { 'Idempotency-Key': key } },
      );
      expect(reused.status).toBe(400);
      expect(reused.data.errors[0]).toMatchObject({ field: 'idempotencyKey' });
      expect((await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`)).data.amount).toBe(310);
    } finally {
      await amnesiac.close();
    }
  });

  it("still answers the key's own change after refusing another one while its record was lost", async () => {
    const key = randomUUID();
    expect((await patch(312, { 'Idempotency-Key': key })).status).toBe(200);
    const amnesiac = await startGateway({ sandbox: gateway.sandbox });
    try {
      const send = (amount: number) =>
        amnesiac.http.patch(
          `/v1/customers/${CONTOSO}/usagebudget`,
          { amount },
          { headers: { 'Idempotency-Key': key } },
        );
      expect((await send(313)).status).toBe(400);
      // The caller's retry of its change: Partner Center replays it, and the refused change left no claim on the key.
      const retry = await send(312);
      expect(retry.status).toBe(200);
      expect(retry.data.amount).toBe(312);
      expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
    } finally {
      await amnesiac.close();
    }
  });

  it('honours Idempotency-Key the same way', async () => {
    const key = randomUUID();
    await patch(301, { 'Idempotency-Key': key });
    const retry = await patch(301, { 'Idempotency-Key': key });
    expect(retry.headers['idempotency-key']).toBe(key);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
  });

  it('confirms a change whose answers were all lost by reading it back: success, applied once', async () => {
    gateway.sandbox.faults.add({ kind: 'drop-after-apply', customerId: CONTOSO, count: 4 });
    const first = await patch(444, { 'MS-RequestId': randomUUID() });
    expect(first.status).toBe(200);
    expect(first.data.amount).toBe(444);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
  });

  it('answers OUTCOME_UNKNOWN when it cannot confirm, and the retry with the same key applies nothing twice', async () => {
    gateway.sandbox.faults.add({ kind: 'drop-after-apply', customerId: CONTOSO, count: 4 });
    gateway.sandbox.faults.add({ kind: 'status', status: 503, method: 'GET', count: 4 });
    const requestId = randomUUID();
    const first = await patch(445, { 'MS-RequestId': requestId });
    expect(first.status).toBe(504);
    expect(first.headers['content-type']).toContain('application/problem+json');
    expect(first.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: requestId });
    expect(first.data.type).toMatch(/outcome-unknown$/);
    const retry = await patch(445, { 'MS-RequestId': requestId });
    expect(retry.status).toBe(200);
    expect(retry.data.amount).toBe(445);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
  });

  it('hands a caller without a key the one to retry with when the outcome is unknown (GraphQL)', async () => {
    gateway.sandbox.faults.add({ kind: 'drop-after-apply', customerId: CONTOSO, count: 4 });
    gateway.sandbox.faults.add({ kind: 'status', status: 503, method: 'GET', count: 4 });
    const first = await gateway.graphql(SET_BUDGET, { input: { customerId: CONTOSO, amount: 446 } });
    const extensions = first.errors?.[0].extensions;
    expect(extensions?.code).toBe('OUTCOME_UNKNOWN');
    expect(extensions?.idempotencyKey).toMatch(GUID);
    const retry = await gateway.graphql(SET_BUDGET, {
      input: { customerId: CONTOSO, amount: 446, idempotencyKey: extensions?.idempotencyKey },
    });
    expect(retry.data?.updateUsageBudget.amount).toBe(446);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
  });

  it('keeps two callers that send the same key apart: both changes are applied', async () => {
    const key = randomUUID();
    const alice = await gateway.sandbox.issueCallerToken({ sub: 'alice', roles: [READ_WRITE] });
    const bob = await gateway.sandbox.issueCallerToken({ sub: 'bob', roles: [READ_WRITE] });
    const first = await patch(10, { 'MS-RequestId': key, authorization: `Bearer ${alice}` });
    const second = await patch(20, { 'MS-RequestId': key, authorization: `Bearer ${bob}` });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.data.amount).toBe(20);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(2);
    const [a, b] = patches();
    expect(a.headers['ms-requestid']).not.toBe(b.headers['ms-requestid']);
  });

  it('gives GraphQL the same guarantee through idempotencyKey', async () => {
    const idempotencyKey = randomUUID();
    const input = { customerId: CONTOSO, amount: 555, idempotencyKey };
    const first = await gateway.graphql(SET_BUDGET, { input });
    const retry = await gateway.graphql(SET_BUDGET, { input });
    expect(first.data?.updateUsageBudget.amount).toBe(555);
    expect(retry.data?.updateUsageBudget.amount).toBe(555);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
  });

  it('maps the same key to the same upstream id on REST and GraphQL for one caller', async () => {
    const key = randomUUID();
    await patch(600, { 'MS-RequestId': key });
    await gateway.graphql(SET_BUDGET, { input: { customerId: CONTOSO, amount: 600, idempotencyKey: key } });
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
  });

  it('makes a new upstream id per call when the caller sends none', async () => {
    await patch(1, {});
    await patch(1, {});
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(2);
  });

  it.each([
    ['MS-RequestId', { 'MS-RequestId': 'retry-1' }],
    ['Idempotency-Key', { 'Idempotency-Key': 'not-a-guid' }],
    ['Idempotency-Key', { 'MS-RequestId': randomUUID(), 'Idempotency-Key': randomUUID() }],
  ])('refuses a key it cannot honour (%s) with 400 and calls nothing upstream', async (field, headers) => {
    const response = await patch(7, headers);
    expect(response.status).toBe(400);
    expect(response.data.code).toBe('BAD_USER_INPUT');
    expect(response.data.errors[0].field).toBe(field);
    expect(patches()).toHaveLength(0);
  });

  it.each(['MS-RequestId', 'Idempotency-Key'])(
    'honours a %s header on a GraphQL mutation: a retry is applied once, another change under it refused',
    async (header) => {
      const key = randomUUID();
      const input = { customerId: CONTOSO, amount: 556 };
      const first = await gateway.graphql(SET_BUDGET, { input }, { [header]: key });
      const retry = await gateway.graphql(SET_BUDGET, { input }, { [header]: key });
      expect(first.data?.updateUsageBudget.amount).toBe(556);
      expect(retry.data?.updateUsageBudget.amount).toBe(556);
      expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
      const other = await gateway.graphql(
        SET_BUDGET,
        { input: { ...input, amount: 557 } },
        { [header]: key },
      );
      expect(other.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(patches()).toHaveLength(1);
    },
  );

  it('refuses a GraphQL mutation whose key header is not a GUID or differs from its idempotencyKey', async () => {
    const notGuid = await gateway.graphql(
      SET_BUDGET,
      { input: { customerId: CONTOSO, amount: 8 } },
      { 'MS-RequestId': 'retry-1' },
    );
    expect(notGuid.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const differs = await gateway.graphql(
      SET_BUDGET,
      { input: { customerId: CONTOSO, amount: 8, idempotencyKey: randomUUID() } },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(differs.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(patches()).toHaveLength(0);
  });

  it('refuses a GraphQL idempotencyKey that is not a GUID', async () => {
    const answer = await gateway.graphql(SET_BUDGET, {
      input: { customerId: CONTOSO, amount: 7, idempotencyKey: 'abc' },
    });
    expect(answer.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(patches()).toHaveLength(0);
  });
});

/** A change whose every attempt Partner Center answered with a 5xx may have been applied: never "unavailable". */
describe('a change answered 5xx on every attempt', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    // Each case fails whole calls on purpose: the breaker and the retry budget must not end the next case early.
    gateway = await startGateway({
      env: {
        PARTNER_CENTER_CIRCUIT_FAILURE_THRESHOLD: '1000',
        PARTNER_CENTER_RETRY_BUDGET_MIN_RETRIES: '1000',
      },
    });
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const patch = (amount: number, headers: Record<string, string>) =>
    gateway.http.patch(`/v1/customers/${CONTOSO}/usagebudget`, { amount }, { headers });

  it.each([500, 502, 503, 504])(
    'answers OUTCOME_UNKNOWN, not "unavailable", to a change answered %i on every attempt (it may be applied)',
    async (status) => {
      // A 5xx does not say the change was not made (an error after making it, a front end that lost the answer).
      gateway.sandbox.faults.add({ kind: 'status', status, method: 'PATCH', count: 4 });
      gateway.sandbox.faults.add({ kind: 'status', status: 503, method: 'GET', count: 4 });
      const first = await gateway.http.patch(`/v1/customers/${CONTOSO}/usagebudget`, { amount: 447 });
      expect(first.status).toBe(504);
      expect(first.data).toMatchObject({
        code: 'OUTCOME_UNKNOWN',
        idempotencyKey: expect.stringMatching(GUID),
      });
      const retry = await patch(447, { 'MS-RequestId': first.data.idempotencyKey });
      expect(retry.status).toBe(200);
      expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
    },
  );

  it('confirms a change answered 502 on every attempt by reading it back: the amount asked for is there', async () => {
    expect((await patch(449, { 'MS-RequestId': randomUUID() })).status).toBe(200);
    gateway.sandbox.faults.add({ kind: 'status', status: 502, method: 'PATCH', count: 4 });
    const same = await patch(449, { 'MS-RequestId': randomUUID() });
    expect(same.status).toBe(200);
    expect(same.data.amount).toBe(449);
  });

  it('keeps "unavailable" for a read answered 503 on every attempt (nothing to confirm)', async () => {
    gateway.sandbox.faults.add({ kind: 'status', status: 503, method: 'GET', count: 4 });
    const read = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    expect(read.status).toBe(503);
    expect(read.data.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
