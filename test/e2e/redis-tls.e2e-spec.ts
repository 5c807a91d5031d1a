import axios from 'axios';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningSandbox, startSandbox } from 'partner-center-sandbox';
import { READ_WRITE } from '../../src/auth/permissions';
import { baseEnv, freePort, RunningProcess, startProcess, waitUntil } from '../support/processes';
import { startRedis, TestRedis } from '../support/redis-server';
import { sandboxAsPartnerCenter } from '../support/sandbox-as-partner-center';
import { CONTOSO } from './support/ids';

const MAIN = join(__dirname, '../../dist/main.js');
const PASSWORD = `redis-${randomUUID()}`;

/**
 * A managed Redis as production has it (Azure Cache for Redis: TLS on its own port, an access key): two replicas
 * (`node dist/main.js`) on `rediss://` share their state through it; a wrong key never shows in a log line.
 */
describe('replicas on a Redis over TLS with a password', () => {
  let sandbox: RunningSandbox;
  let redis: TestRedis;
  let dir: string;
  let caBundle: string;
  const running: RunningProcess[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    redis = await startRedis({ tls: true, password: PASSWORD });
    dir = mkdtempSync(join(tmpdir(), 'gateway-redis-tls-'));
    // One bundle: the sandbox's CA (Partner Center, Entra ID) and the Redis server's certificate.
    caBundle = join(dir, 'ca-bundle.pem');
    const pems = [sandbox.caCertPath, redis.caCertPath!].map((path) => readFileSync(path, 'utf8').trim());
    writeFileSync(caBundle, `${pems.join('\n')}\n`);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop(5_000)));
    await redis?.close();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const startReplica = async (redisUrl: string) => {
    const port = await freePort();
    const replica = startProcess('node', [MAIN], {
      cwd: join(__dirname, '../..'),
      env: {
        ...baseEnv(),
        NODE_ENV: 'production',
        PORT: String(port),
        LOG_LEVEL: 'info',
        ...sandboxAsPartnerCenter(sandbox),
        NODE_EXTRA_CA_CERTS: caBundle,
        AUTH_ISSUER: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
        AUTH_AUDIENCE: sandbox.callerAudience,
        REDIS_URL: redisUrl,
      },
    });
    running.push(replica);
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(
      async () => {
        if (replica.child.exitCode !== null) throw new Error(`a replica exited: ${replica.output()}`);
        const up = await axios.get(`${url}/healthz`, { validateStatus: () => true }).catch(() => undefined);
        return up?.status === 200 ? true : undefined;
      },
      { timeoutMs: 30_000, describe: () => replica.output() },
    );
    return { url, process: replica };
  };
  const sharedState = async (url: string) =>
    (await axios.get(`${url}/readyz`, { validateStatus: () => true })).data?.details?.sharedState?.message;

  it('shares state through rediss://: one token for both replicas and a burst on them, keys in Redis', async () => {
    const replicas = [await startReplica(redis.url), await startReplica(redis.url)];
    await waitUntil(async () => ((await sharedState(replicas[1].url)) === 'redis' ? true : undefined), {
      timeoutMs: 10_000,
      describe: () => replicas[1].process.output(),
    });
    expect(await sharedState(replicas[0].url)).toBe('redis');
    const callers = await Promise.all(
      Array.from({ length: 20 }, () => sandbox.issueCallerToken({ sub: randomUUID(), roles: [READ_WRITE] })),
    );
    const answers = await Promise.all(
      callers.map((token, i) =>
        axios.get(`${replicas[i % 2].url}/v1/customers/${CONTOSO}/usagebudget`, {
          headers: { authorization: `Bearer ${token}` },
          validateStatus: () => true,
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    // Both replicas, from their start (each checks for a token to be ready) through the burst: one token.
    expect(sandbox.tokenRequests()).toBe(1);
    const admin = new Redis({ port: redis.port, host: '127.0.0.1', password: PASSWORD });
    try {
      expect((await admin.keys('usage-budget-gateway:*')).length).toBeGreaterThan(0);
    } finally {
      admin.disconnect();
    }
  });

  it('serves from memory with a wrong password, says so in /readyz, and never logs the password', async () => {
    const wrong = `wrong-${randomUUID()}`;
    const replica = await startReplica(redis.url.replace(encodeURIComponent(PASSWORD), wrong));
    await waitUntil(
      async () => ((await sharedState(replica.url)) ?? '').startsWith('degraded') || undefined,
      {
        timeoutMs: 10_000,
        describe: () => replica.process.output(),
      },
    );
    const token = await sandbox.issueCallerToken({ sub: randomUUID(), roles: [READ_WRITE] });
    const answer = await axios.get(`${replica.url}/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { authorization: `Bearer ${token}` },
      validateStatus: () => true,
    });
    expect(answer.status).toBe(200);
    // The operator is told why, in Redis's words, once: not one line per reconnection attempt.
    await waitUntil(() => (replica.process.output().includes('WRONGPASS') ? true : undefined), {
      timeoutMs: 10_000,
      describe: () => replica.process.output(),
    });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(replica.process.output().match(/WRONGPASS/g)).toHaveLength(1);
    expect(replica.process.output()).not.toContain(wrong);
    expect(replica.process.output()).not.toContain(PASSWORD);
  });
});
