import { fleetOnRedis } from './support/fleet';
import type { TestGateway } from './support/gateway';
import { ADVENTURE_WORKS, CONTOSO, GET_BUDGET, NORTHWIND_NO_USAGE } from './support/ids';

const path = (id: string) => `/v1/customers/${id}/usagebudget`;
const BATCH = 'query($ids: [ID!]!) { customerUsageBudgets(customerIds: $ids) { customerId amount } }';

/**
 * Gateways in this process sharing one real redis-server and one sandbox: what one replica learns (a write, a
 * throttle pause) holds on the others, including one that starts afterwards.
 */
describe('replicas sharing Redis', () => {
  const fleet = fleetOnRedis();
  const { replica } = fleet;
  const upstreamCalls = (customerId: string) =>
    fleet.sandbox.requestLog.entries({ target: 'partner-center' }).filter((c) => c.path.includes(customerId));

  describe('with the read cache on (USAGE_BUDGET_CACHE_TTL_MS)', () => {
    let a: TestGateway;
    let b: TestGateway;

    beforeAll(async () => {
      // A command timeout (500 ms by default) on a machine busy enough to stall Redis that long sends a replica to its
      // memory, which is right, but not what these tests count: they count the calls a healthy fleet makes.
      const env = { USAGE_BUDGET_CACHE_TTL_MS: '30000', REDIS_COMMAND_TIMEOUT_MS: '5000' };
      a = await replica(env);
      b = await replica(env);
    });

    const amountOf = async (gateway: TestGateway, id: string) =>
      (await gateway.http.get(path(id))).data.amount;
    const batchOf = async (gateway: TestGateway, ids: string[]) =>
      (await gateway.graphql(BATCH, { ids })).data?.customerUsageBudgets.map((b: any) => b.amount);

    it('serves no replica a value from before a write once the write has returned', async () => {
      // Both replicas hold the budget: A read it from Partner Center, B from the fleet's cache.
      expect(await amountOf(a, CONTOSO)).toBe(100);
      expect(await amountOf(b, CONTOSO)).toBe(100);
      expect(await batchOf(a, [CONTOSO, ADVENTURE_WORKS])).toEqual([100, 1234.56]);
      expect(await batchOf(b, [CONTOSO, ADVENTURE_WORKS])).toEqual([100, 1234.56]);
      expect(upstreamCalls(CONTOSO).map((c) => c.method)).toEqual(['GET']);

      const write = await a.http.patch(path(CONTOSO), { amount: 66 });
      expect(write.status).toBe(200);

      expect(await amountOf(a, CONTOSO)).toBe(66);
      expect(await amountOf(b, CONTOSO)).toBe(66);
      expect(await batchOf(a, [CONTOSO, ADVENTURE_WORKS])).toEqual([66, 1234.56]);
      expect(await batchOf(b, [CONTOSO, ADVENTURE_WORKS])).toEqual([66, 1234.56]);
      const single = await b.graphql(GET_BUDGET, { id: CONTOSO });
      expect(single.data?.customerUsageBudget.amount).toBe(66);
      // The cache still works after the write: one read of the new amount served the fleet.
      expect(upstreamCalls(CONTOSO).map((c) => c.method)).toEqual(['GET', 'PATCH', 'GET']);
    });
  });

  describe('the throttle pause', () => {
    it('holds on a replica started during the pause: it answers RATE_LIMITED without calling Partner Center', async () => {
      const a = await replica();
      fleet.sandbox.faults.add({
        kind: 'status',
        status: 429,
        retryAfter: '60',
        customerId: NORTHWIND_NO_USAGE,
        count: 1,
      });
      const throttled = await a.http.get(path(NORTHWIND_NO_USAGE));
      expect(throttled.status).toBe(429);
      expect(upstreamCalls(NORTHWIND_NO_USAGE)).toHaveLength(1);

      // B was not listening when A told the fleet: it learns of the pause from Redis as it connects.
      const b = await replica();
      const refused = await b.http.get(path(NORTHWIND_NO_USAGE));
      expect(refused.status).toBe(429);
      expect(refused.data).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(30);
      const gql = await b.graphql(GET_BUDGET, { id: NORTHWIND_NO_USAGE });
      expect(gql.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(upstreamCalls(NORTHWIND_NO_USAGE)).toHaveLength(1);

      // The pause is that customer's only: B's other calls go out.
      expect((await b.http.get(path(CONTOSO))).status).toBe(200);
    });
  });
});
