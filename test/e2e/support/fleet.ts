import { RunningSandbox, startSandbox } from 'partner-center-sandbox';
import { startRedis, TestRedis } from '../../support/redis-server';
import { startGateway, StartOptions, TestGateway } from './gateway';

/**
 * A fleet for one test file: one real redis-server and one sandbox, started before its tests and stopped after them
 * with every replica started through `replica`; the sandbox is reset before each test. `options` apply to every
 * replica (e.g. an attempt timeout that outlasts the reads a test holds).
 */
export function fleetOnRedis(options: Omit<StartOptions, 'sandbox' | 'env'> = {}) {
  let sandbox: RunningSandbox | undefined;
  let redis: TestRedis | undefined;
  const started: TestGateway[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const gateway of started) await gateway.close();
    await redis?.close();
    await sandbox?.close();
  });
  beforeEach(() => sandbox!.reset());

  return {
    get sandbox(): RunningSandbox {
      return sandbox!;
    },
    get redis(): TestRedis {
      return redis!;
    },
    /** A gateway on the fleet's sandbox and Redis, stopped with the fleet. */
    async replica(env: Record<string, string> = {}): Promise<TestGateway> {
      const gateway = await startGateway({ ...options, sandbox, env: { REDIS_URL: redis!.url, ...env } });
      started.push(gateway);
      return gateway;
    },
  };
}
