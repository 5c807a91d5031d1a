import axios, { AxiosInstance } from 'axios';
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, Server } from 'node:http';
import { join } from 'node:path';
import { RunningSandbox, startSandbox } from 'partner-center-sandbox';
import { READ_WRITE } from '../../src/auth/permissions';
import { baseEnv, freePort, RunningProcess, startProcess, waitUntil } from '../support/processes';
import { startRedis, TestRedis } from '../support/redis-server';
import { sandboxAsPartnerCenter } from '../support/sandbox-as-partner-center';
import { ADVENTURE_WORKS, CONTOSO, NORTHWIND_NO_USAGE } from './support/ids';

const MAIN = join(__dirname, '../../dist/main.js');
const REPLICAS = 3;
const RATE_LIMIT_PER_MINUTE = 40;
const MAX_REQUESTS_PER_SECOND = 20;
const path = (id: string) => `/v1/customers/${id}/usagebudget`;

interface Replica {
  url: string;
  process: RunningProcess;
}

/**
 * Issue 11: three gateway processes (`node dist/main.js`, as production runs them) behind a small round-robin proxy,
 * one real Redis and the sandbox behave as one gateway.
 */
describe('a fleet of three replicas on Redis', () => {
  let sandbox: RunningSandbox;
  let redis: TestRedis;
  let replicas: Replica[];
  let proxy: { url: string; server: Server };
  let fleet: AxiosInstance;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true, extraCustomers: 200 });
    redis = await startRedis();
    replicas = await Promise.all(Array.from({ length: REPLICAS }, () => startReplica(sandbox, redis.url)));
    proxy = await startRoundRobinProxy(replicas.map((r) => r.url));
    fleet = axios.create({ baseURL: proxy.url, validateStatus: () => true, timeout: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => proxy?.server.close(resolve));
    await Promise.all((replicas ?? []).map((r) => r.process.stop(5_000)));
    await redis?.close();
    await sandbox?.close();
  });

  const bearer = async (sub = randomUUID()) => ({
    authorization: `Bearer ${await sandbox.issueCallerToken({ sub, roles: [READ_WRITE] })}`,
  });
  const budgetCalls = (customerId?: string) =>
    sandbox.requestLog
      .entries({ target: 'partner-center' })
      .filter((c) => !customerId || c.path.includes(customerId));

  it('makes exactly one token request for a cold burst of 100 requests across the replicas', async () => {
    // A hundred callers (each under its own rate limit), all at once.
    const callers = await Promise.all(Array.from({ length: 100 }, () => bearer()));
    const answers = await Promise.all(callers.map((headers) => fleet.get(path(CONTOSO), { headers })));
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
    expect(sandbox.tokenRequests()).toBe(1);
  });

  it("holds a caller's limit across replicas", async () => {
    const headers = await bearer();
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT_PER_MINUTE + 15; i++) {
      statuses.push((await fleet.get(path(ADVENTURE_WORKS), { headers })).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(RATE_LIMIT_PER_MINUTE);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it('pauses the other replicas for the Retry-After of a 429 one replica got', async () => {
    sandbox.requestLog.clear();
    sandbox.faults.add({
      kind: 'status',
      status: 429,
      retryAfter: '3',
      customerId: NORTHWIND_NO_USAGE,
      count: 1,
    });
    const headers = await bearer();
    const first = axios.get(`${replicas[0].url}${path(NORTHWIND_NO_USAGE)}`, {
      headers,
      validateStatus: () => true,
    });
    await waitUntil(() => (budgetCalls(NORTHWIND_NO_USAGE).some((c) => c.status === 429) ? true : undefined));
    const throttledAt = Date.now();
    const others = await Promise.all(
      [1, 2, 1, 2].map((i) =>
        axios.get(`${replicas[i].url}${path(NORTHWIND_NO_USAGE)}`, { headers, validateStatus: () => true }),
      ),
    );
    expect((await first).status).toBe(200);
    expect(others.map((o) => o.status)).toEqual([200, 200, 200, 200]);
    const calls = budgetCalls(NORTHWIND_NO_USAGE);
    expect(calls.filter((c) => c.status === 429)).toHaveLength(1);
    // Nothing reached Partner Center for that customer until the pause had passed (2.5 s: clock and log slack).
    const afterThrottle = calls.filter((c) => c.status !== 429).map((c) => Date.parse(c.at) - throttledAt);
    expect(Math.min(...afterThrottle)).toBeGreaterThanOrEqual(2_500);
    // The other replicas waited for the read under way (its lock renewed through the pause) and took its answer.
    expect(afterThrottle).toHaveLength(1);
  });

  it('shares a read slower than its flight lock with the replicas that asked meanwhile, instead of repeating it', async () => {
    const customer = sandbox.customers.filter((c) => c.id.startsWith('d0000000'))[100].id;
    sandbox.faults.add({ kind: 'latency', latencyMs: 3_500, customerId: customer, count: 1 });
    const headers = await bearer();
    const first = axios.get(`${replicas[0].url}${path(customer)}`, { headers, validateStatus: () => true });
    await waitUntil(() => (budgetCalls(customer).length > 0 ? true : undefined));
    const others = await Promise.all(
      [1, 2, 1, 2].map((i) =>
        axios.get(`${replicas[i].url}${path(customer)}`, { headers, validateStatus: () => true }),
      ),
    );
    expect([(await first).status, ...others.map((o) => o.status)]).toEqual([200, 200, 200, 200, 200]);
    expect(budgetCalls(customer)).toHaveLength(1);
  });

  it("keeps the fleet's upstream rate within PARTNER_CENTER_MAX_REQUESTS_PER_SECOND under a burst", async () => {
    sandbox.requestLog.clear();
    const customers = sandbox.customers.filter((c) => c.id.startsWith('d0000000')).slice(0, 60);
    const callers = await Promise.all(customers.map(() => bearer()));
    const answers = await Promise.all(
      customers.map((c, i) => fleet.get(path(c.id), { headers: callers[i] })),
    );
    expect(answers.filter((a) => a.status !== 200).map((a) => a.data)).toEqual([]);
    const perSecond = new Map<number, number>();
    for (const call of budgetCalls()) {
      const second = Math.floor(Date.parse(call.at) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(MAX_REQUESTS_PER_SECOND);
    expect(budgetCalls()).toHaveLength(60);
  });

  it('applies a PATCH retried with the same MS-RequestId on another replica once', async () => {
    const headers = { ...(await bearer()), 'MS-RequestId': randomUUID() };
    const before = sandbox.patchesApplied(ADVENTURE_WORKS);
    const first = await axios.patch(
      `${replicas[0].url}${path(ADVENTURE_WORKS)}`,
      { amount: 512 },
      { headers },
    );
    const retry = await axios.patch(
      `${replicas[1].url}${path(ADVENTURE_WORKS)}`,
      { amount: 512 },
      { headers },
    );
    const again = await axios.patch(
      `${replicas[2].url}${path(ADVENTURE_WORKS)}`,
      { amount: 512 },
      { headers },
    );
    expect([first.status, retry.status, again.status]).toEqual([200, 200, 200]);
    expect(sandbox.patchesApplied(ADVENTURE_WORKS) - before).toBe(1);
  });

  it('refuses the same key sent at once to every replica for different changes: one is applied, none misreported', async () => {
    const headers = { ...(await bearer()), 'Idempotency-Key': randomUUID() };
    const before = sandbox.patchesApplied(ADVENTURE_WORKS);
    const amounts = [601, 602, 603, 601, 602, 603];
    const answers = await Promise.all(
      amounts.map((amount, i) =>
        axios.patch(
          `${replicas[i % REPLICAS].url}${path(ADVENTURE_WORKS)}`,
          { amount },
          {
            headers,
            validateStatus: () => true,
          },
        ),
      ),
    );
    const applied = answers.flatMap((answer, i) =>
      answer.status === 200 ? [[answer, amounts[i]] as const] : [],
    );
    expect(applied.length).toBeGreaterThanOrEqual(1);
    applied.forEach(([answer, asked]) => expect(answer.data.amount).toBe(asked));
    expect(new Set(applied.map(([answer]) => answer.data.amount)).size).toBe(1);
    expect(answers.filter((answer) => answer.status !== 200).map((answer) => answer.status)).toEqual(
      Array(amounts.length - applied.length).fill(400),
    );
    expect(sandbox.patchesApplied(ADVENTURE_WORKS) - before).toBe(1);
  });

  it('loses no request when Redis dies mid-load, and shares state again when it returns', async () => {
    const headers = await bearer();
    const statuses: number[] = [];
    const load = (async () => {
      for (let i = 0; i < 40; i++) {
        statuses.push((await fleet.get(path(CONTOSO), { headers })).status);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 800));
    await redis.start();
    await load;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await waitUntil(
      () =>
        replicas.every((r) => r.process.output().includes('Redis is reachable again')) ? true : undefined,
      { timeoutMs: 15_000, describe: () => 'every replica should log that Redis is back' },
    );
  });

  it('loses no request the proxy can retry when one replica is killed mid-load', async () => {
    const headers = await bearer();
    const statuses: number[] = [];
    const load = (async () => {
      for (let i = 0; i < 30; i++) {
        statuses.push((await fleet.get(path(CONTOSO), { headers })).status);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    replicas[2].process.child.kill('SIGKILL');
    await load;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('reads on another replica when the one reading for the fleet dies mid-read (its lock is no longer renewed)', async () => {
    const customer = sandbox.customers.filter((c) => c.id.startsWith('d0000000'))[101].id;
    sandbox.faults.add({ kind: 'hang', customerId: customer, count: 1 });
    const headers = await bearer();
    void axios
      .get(`${replicas[0].url}${path(customer)}`, { headers, validateStatus: () => true })
      .catch(() => undefined);
    await waitUntil(() => (budgetCalls(customer).length > 0 ? true : undefined));
    // Waits on replica 0's read, then takes over once its lock lapses: well within the 30 s read deadline.
    const waiting = axios.get(`${replicas[1].url}${path(customer)}`, {
      headers,
      validateStatus: () => true,
      timeout: 10_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    replicas[0].process.child.kill('SIGKILL');
    expect((await waiting).status).toBe(200);
    expect(budgetCalls(customer)).toHaveLength(2);
  });
});

async function startReplica(sandbox: RunningSandbox, redisUrl: string): Promise<Replica> {
  const port = await freePort();
  const process = startProcess('node', [MAIN], {
    cwd: join(__dirname, '../..'),
    env: {
      ...baseEnv(),
      NODE_ENV: 'production',
      PORT: String(port),
      LOG_LEVEL: 'info',
      ...sandboxAsPartnerCenter(sandbox),
      AUTH_ISSUER: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
      AUTH_AUDIENCE: sandbox.callerAudience,
      REDIS_URL: redisUrl,
      // Several processes share two cores here: a replica starved of CPU for 500 ms would count a request in its own
      // memory (fail open), and the fleet's exact limits below would be off by it.
      REDIS_COMMAND_TIMEOUT_MS: '3000',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
      PARTNER_CENTER_MAX_REQUESTS_PER_SECOND: String(MAX_REQUESTS_PER_SECOND),
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if (process.child.exitCode !== null) throw new Error(`a replica exited: ${process.output()}`);
      const up = await axios.get(`${url}/healthz`, { validateStatus: () => true }).catch(() => undefined);
      return up?.status === 200 ? true : undefined;
    },
    { timeoutMs: 30_000, describe: () => process.output() },
  );
  return { url, process };
}

/** Round robin over the replicas; a request that got no answer at all is tried on the next one (as a load balancer does). */
async function startRoundRobinProxy(backends: string[]): Promise<{ url: string; server: Server }> {
  let next = 0;
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (tries: number) => {
        const backend = new URL(backends[next++ % backends.length]);
        const forwarded = httpRequest(
          {
            host: backend.hostname,
            port: backend.port,
            path: incoming.url,
            method: incoming.method,
            headers: incoming.headers,
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forwarded.on('error', () => {
          if (tries < backends.length) attempt(tries + 1);
          else outgoing.writeHead(502).end();
        });
        forwarded.end(body);
      };
      attempt(1);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, server };
}
