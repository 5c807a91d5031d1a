import { RunningSandbox, startSandbox } from 'partner-center-sandbox';
import { startRedis, TestRedis } from '../support/redis-server';
import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO } from './support/ids';

const path = (id: string) => `/v1/customers/${id}/usagebudget`;

/**
 * Reads and writes of one customer racing across replicas that share one real redis-server and one sandbox: the
 * sandbox holds a read upstream (a latency fault on that customer) while a write starts and completes, and the
 * request log says what reached Partner Center and when.
 */
describe('reads and writes racing across replicas', () => {
  let sandbox: RunningSandbox;
  let redis: TestRedis;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    redis = await startRedis();
    // An attempt outlasts the reads the sandbox holds: a held read is one attempt, not retried under the test.
    const replica = () =>
      startGateway({ sandbox, env: { REDIS_URL: redis.url }, retry: { attemptTimeoutMs: 8_000 } });
    a = await replica();
    b = await replica();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.close();
    await sandbox?.close();
  });
  beforeEach(() => sandbox.reset());

  /** Partner Center reads of the customer, by the time they arrived (the log holds tokens: never printed whole). */
  const reads = (customerId: string) =>
    sandbox.requestLog
      .entries({ target: 'partner-center' })
      .filter((c) => c.method === 'GET' && c.path.includes(customerId))
      .map((c) => c.at);
  /** Bounded: 500 looks, 10 ms apart. */
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    if (!condition()) throw new Error('the condition never held');
  };

  it('lets a read that arrives after a write on another replica go at once, not wait for a read from before the write', async () => {
    // A's read reaches Partner Center and is held there; the fleet knows it is under way (A holds its flight lock).
    sandbox.faults.add({ kind: 'latency', latencyMs: 3_000, customerId: CONTOSO, method: 'GET', count: 1 });
    let beforeAnswered = false;
    const before = a.http.get(path(CONTOSO)).then((answer) => {
      beforeAnswered = true;
      return answer;
    });
    await until(() => reads(CONTOSO).length === 1);

    expect((await a.http.patch(path(CONTOSO), { amount: 66 })).status).toBe(200);
    // B may not take A's answer (its read started before the write), so it has nothing to wait for: it reads now.
    const after = await b.http.get(path(CONTOSO));
    expect(after.status).toBe(200);
    expect(after.data.amount).toBe(66);
    expect(reads(CONTOSO)).toHaveLength(2);
    expect(beforeAnswered).toBe(false);
    expect((await before).status).toBe(200);
  });
});
