import { randomUUID } from 'node:crypto';
import { fleetOnRedis } from './support/fleet';
import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, SET_BUDGET } from './support/ids';

/**
 * Issue 2/4: one audit event per change. A change retried under its idempotency key is applied once by Partner
 * Center, so an auditor must see it once: not once per request that carried it, whether the retry overlaps the
 * first request or comes after it, on the same replica or on another.
 */
const successes = (logs: Array<Record<string, any>>, amount: number) =>
  logs.filter(
    (line) =>
      line.event === 'usage-budget.changed' &&
      line.audit.outcome === 'success' &&
      line.audit.customerId === CONTOSO &&
      line.audit.newAmount === amount,
  );

/** Holds every PATCH at the sandbox long enough for a retry sent now to arrive while the first is in flight. */
const slowUpstream = { kind: 'latency', method: 'PATCH', latencyMs: 300, count: 2 } as const;

describe('one audit event per change retried under its idempotency key', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const patch = (amount: number, key: string) =>
    gateway.http.patch(
      `/v1/customers/${CONTOSO}/usagebudget`,
      { amount },
      { headers: { 'MS-RequestId': key } },
    );

  it('logs one success for two PATCHes sent at once with the same key', async () => {
    gateway.sandbox.faults.add(slowUpstream);
    const key = randomUUID();
    const answers = await Promise.all([patch(701, key), patch(701, key)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
    expect(successes(gateway.logs(), 701)).toHaveLength(1);
  });

  it('logs one success for a REST PATCH and a GraphQL mutation sent at once with the same key', async () => {
    gateway.sandbox.faults.add(slowUpstream);
    const key = randomUUID();
    const [rest, graphql] = await Promise.all([
      patch(702, key),
      gateway.graphql(SET_BUDGET, { input: { customerId: CONTOSO, amount: 702, idempotencyKey: key } }),
    ]);
    expect(rest.status).toBe(200);
    expect(graphql.data?.updateUsageBudget.amount).toBe(702);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
    expect(successes(gateway.logs(), 702)).toHaveLength(1);
  });

  it('logs nothing more for a retry answered from the recorded outcome', async () => {
    const key = randomUUID();
    expect((await patch(703, key)).status).toBe(200);
    expect((await patch(703, key)).status).toBe(200);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
    expect(successes(gateway.logs(), 703)).toHaveLength(1);
  });
});

describe('one audit event per change retried on several replicas sharing Redis', () => {
  const fleet = fleetOnRedis();
  let replicas: TestGateway[];

  beforeAll(async () => {
    replicas = [await fleet.replica(), await fleet.replica()];
  });

  const patch = (replica: TestGateway, amount: number, key: string) =>
    replica.http.patch(
      `/v1/customers/${CONTOSO}/usagebudget`,
      { amount },
      { headers: { 'Idempotency-Key': key } },
    );
  const fleetSuccesses = (amount: number) =>
    successes(
      replicas.flatMap((replica) => replica.logs()),
      amount,
    );

  it('logs one success for the same key sent at once to two replicas', async () => {
    fleet.sandbox.faults.add(slowUpstream);
    const key = randomUUID();
    const answers = await Promise.all(replicas.map((replica) => patch(replica, 711, key)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(fleet.sandbox.patchesApplied(CONTOSO)).toBe(1);
    expect(fleetSuccesses(711)).toHaveLength(1);
  });

  it('logs nothing more for a retry on another replica answered from the shared outcome', async () => {
    const key = randomUUID();
    expect((await patch(replicas[0], 712, key)).status).toBe(200);
    expect((await patch(replicas[1], 712, key)).status).toBe(200);
    expect(fleet.sandbox.patchesApplied(CONTOSO)).toBe(1);
    expect(fleetSuccesses(712)).toHaveLength(1);
  });
});
