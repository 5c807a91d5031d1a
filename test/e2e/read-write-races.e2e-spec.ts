import Redis from 'ioredis';
import { fleetOnRedis } from './support/fleet';
import type { TestGateway } from './support/gateway';
import { ADVENTURE_WORKS, CONTOSO, NORTHWIND_NO_USAGE } from './support/ids';

const path = (id: string) => `/v1/customers/${id}/usagebudget`;

/**
 * Reads and writes of one customer racing across replicas that share one real redis-server and one sandbox: the
 * sandbox holds a read (a latency fault: before reading; slow-answer: after reading, its answer on the way) while a
 * write starts and completes, and the request log says what reached Partner Center and when.
 */
describe('reads and writes racing across replicas', () => {
  // An attempt outlasts the reads the sandbox holds: a held read is one attempt, not retried under the test.
  const fleet = fleetOnRedis({ retry: { attemptTimeoutMs: 8_000 } });
  const { replica } = fleet;
  /** Partner Center reads of the customer, by the time they arrived (the log holds tokens: never printed whole). */
  const reads = (customerId: string) =>
    fleet.sandbox.requestLog
      .entries({ target: 'partner-center' })
      .filter((c) => c.method === 'GET' && c.path.includes(customerId))
      .map((c) => c.at);
  /** Bounded: 500 looks, 10 ms apart. */
  const until = async (condition: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 500 && !(await condition()); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    if (!(await condition())) throw new Error('the condition never held');
  };
  /** A read sent now, and whether it has answered yet. */
  const readInFlight = (gateway: TestGateway, customerId: string) => {
    const read = { answered: false, answer: gateway.http.get(path(customerId)) };
    const answered = () => (read.answered = true);
    void read.answer.then(answered, answered);
    return read;
  };

  describe('with the read cache off', () => {
    let a: TestGateway;
    let b: TestGateway;

    beforeAll(async () => {
      a = await replica();
      b = await replica();
    });

    it('lets a read that arrives after a write on another replica go at once, not wait for a read from before the write', async () => {
      // A's read reaches Partner Center and is held there; the fleet knows it is under way (A holds its flight lock).
      fleet.sandbox.faults.add({
        kind: 'latency',
        latencyMs: 3_000,
        customerId: CONTOSO,
        method: 'GET',
        count: 1,
      });
      const before = readInFlight(a, CONTOSO);
      await until(() => reads(CONTOSO).length === 1);

      expect((await a.http.patch(path(CONTOSO), { amount: 66 })).status).toBe(200);
      // B may not take A's answer (its read started before the write), so it has nothing to wait for: it reads now.
      const after = await b.http.get(path(CONTOSO));
      expect(after.status).toBe(200);
      expect(after.data.amount).toBe(66);
      expect(reads(CONTOSO)).toHaveLength(2);
      expect(before.answered).toBe(false);
      expect((await before.answer).status).toBe(200);
    });
  });

  describe('with the read cache on (USAGE_BUDGET_CACHE_TTL_MS)', () => {
    let a: TestGateway;
    let b: TestGateway;

    beforeAll(async () => {
      a = await replica({ USAGE_BUDGET_CACHE_TTL_MS: '30000' });
      b = await replica({ USAGE_BUDGET_CACHE_TTL_MS: '30000' });
    });

    const onRedis = async (gateway: TestGateway) =>
      !JSON.stringify((await gateway.http.get('/readyz')).data).includes('degraded');

    it('serves no replica what a read from before a write fetched, when it answers after Redis restarted empty', async () => {
      // A's read has Partner Center's answer (1234.56) on its way back, slowly, while B changes the budget.
      fleet.sandbox.faults.add({
        kind: 'slow-answer',
        latencyMs: 4_000,
        customerId: ADVENTURE_WORKS,
        method: 'GET',
        count: 1,
      });
      const before = readInFlight(a, ADVENTURE_WORKS);
      await until(() => reads(ADVENTURE_WORKS).length === 1);
      expect((await b.http.patch(path(ADVENTURE_WORKS), { amount: 66 })).status).toBe(200);

      // Redis restarts with nothing in it (no persistence, as a cache's failover to an empty node), and both
      // replicas are back on it before A's read answers.
      await fleet.redis.stop();
      await fleet.redis.start();
      await until(async () => (await onRedis(a)) && (await onRedis(b)));
      expect(before.answered).toBe(false);
      expect((await before.answer).data.amount).toBe(1234.56); // its own answer: it began before the write

      expect((await b.http.get(path(ADVENTURE_WORKS))).data.amount).toBe(66);
      expect((await a.http.get(path(ADVENTURE_WORKS))).data.amount).toBe(66);
    });

    it('serves no replica its own copy from before a write while its subscription is away and Redis answers', async () => {
      const admin = new Redis(fleet.redis.url);
      try {
        // Both replicas hold Northwind's budget in their own memory.
        expect((await a.http.get(path(NORTHWIND_NO_USAGE))).data.amount).toBe(250.5);
        expect((await b.http.get(path(NORTHWIND_NO_USAGE))).data.amount).toBe(250.5);
        expect(reads(NORTHWIND_NO_USAGE)).toHaveLength(1);
        // The replicas' subscriptions drop (as a pub/sub output buffer limit or a proxy's idle timeout drops them) and
        // cannot come back while Redis takes no new connection; their command connections stay up and answer.
        const clients = (await admin.client('LIST')) as string;
        const subscribers = clients.split('\n').filter((line) => / sub=[1-9]/.test(line));
        expect(subscribers.length).toBeGreaterThanOrEqual(2);
        await admin.config(
          'SET',
          'maxclients',
          String(clients.trim().split('\n').length - subscribers.length),
        );
        await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');

        expect((await a.http.patch(path(NORTHWIND_NO_USAGE), { amount: 77 })).status).toBe(200);
        expect((await b.http.get(path(NORTHWIND_NO_USAGE))).data.amount).toBe(77);
        expect((await a.http.get(path(NORTHWIND_NO_USAGE))).data.amount).toBe(77);
      } finally {
        await admin.config('SET', 'maxclients', '10000');
        admin.disconnect();
      }
    });
  });
});
