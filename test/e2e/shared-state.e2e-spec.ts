import Redis from 'ioredis';
import { RedisSharedState } from '../../src/shared-state/redis-shared-state';
import { startRedis, TestRedis } from '../support/redis-server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The fleet's shared state on a real redis-server, through a stall rather than an outage. */
describe('shared state on Redis', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.close());

  it('answers from memory while Redis stalls, and reports it back as soon as a command answers again', async () => {
    const state = new RedisSharedState(redis.url, 'test:', { commandTimeout: 100 });
    const admin = new Redis(redis.url);
    try {
      for (let i = 0; i < 100 && state.degraded; i++) await sleep(20);
      expect(state.degraded).toBe(false);
      // A stall, not an outage: the connection stays up, so no reconnection will say Redis is back.
      const stall = admin.call('DEBUG', 'SLEEP', '0.5');
      await sleep(50);
      await state.set('k', 'v', 10_000); // times out: kept in memory
      expect(state.degraded).toBe(true);
      await stall;
      expect(await state.get('missing')).toBeUndefined();
      expect(state.degraded).toBe(false);
    } finally {
      admin.disconnect();
      await state.close();
    }
  });
});
