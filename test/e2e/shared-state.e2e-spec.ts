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

  it('answers from memory while Redis stalls', async () => {
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
      expect(await state.get('k')).toBe('v');
      await stall;
    } finally {
      admin.disconnect();
      await state.close();
    }
  });

  it('notices on its own that a stall ended, with no command of its own to tell it (an idle replica)', async () => {
    const state = new RedisSharedState(redis.url, 'test:', { commandTimeout: 100 });
    const admin = new Redis(redis.url);
    try {
      for (let i = 0; i < 100 && state.degraded; i++) await sleep(20);
      const stall = admin.call('DEBUG', 'SLEEP', '0.5');
      await sleep(50);
      await state.set('k', 'v', 10_000); // times out
      expect(state.degraded).toBe(true);
      await stall;
      // No request reaches this replica: nothing it sends would find Redis answering again.
      for (let i = 0; i < 150 && state.degraded; i++) await sleep(20);
      expect(state.degraded).toBe(false);
    } finally {
      admin.disconnect();
      await state.close();
    }
  });

  it('waits out one command timeout per stall, not one per command: the next go to memory until Redis answers', async () => {
    const state = new RedisSharedState(redis.url, 'test:', { commandTimeout: 100 });
    const admin = new Redis(redis.url);
    try {
      for (let i = 0; i < 100 && state.degraded; i++) await sleep(20);
      await admin.config('RESETSTAT');
      const stall = admin.call('DEBUG', 'SLEEP', '0.8');
      await sleep(50);
      // A request's shared-state work during the stall: the first command times out, the others do not wait.
      for (let i = 0; i < 5; i++) expect(await state.get(`during-${i}`)).toBeUndefined();
      await stall;
      for (let i = 0; i < 150 && state.degraded; i++) await sleep(20);
      expect(state.degraded).toBe(false);
      // Redis ran what was sent to it, late: the one GET that timed out, none of the four after it.
      const stats = await admin.info('commandstats');
      expect(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1]).toBe('1');
    } finally {
      admin.disconnect();
      await state.close();
    }
  });

  it('tells the process when a stall ended, as a reconnection: what it did meanwhile reached no other replica', async () => {
    const state = new RedisSharedState(redis.url, 'test:', { commandTimeout: 100 });
    const admin = new Redis(redis.url);
    let connections = 0;
    try {
      state.onConnected(() => (connections += 1));
      for (let i = 0; i < 100 && (state.degraded || connections === 0); i++) await sleep(20);
      const before = connections;
      const stall = admin.call('DEBUG', 'SLEEP', '0.5');
      await sleep(50);
      await state.publish('news', 'lost'); // times out
      await stall;
      for (let i = 0; i < 150 && state.degraded; i++) await sleep(20);
      expect(state.degraded).toBe(false);
      expect(connections).toBe(before + 1);
    } finally {
      admin.disconnect();
      await state.close();
    }
  });

  it('tells the process when its subscription dropped alone and came back, so it loads what it missed', async () => {
    const state = new RedisSharedState(redis.url, 'test:');
    const admin = new Redis(redis.url);
    let connections = 0;
    try {
      state.onConnected(() => (connections += 1));
      state.subscribe('news', () => undefined);
      for (let i = 0; i < 100 && (state.degraded || connections === 0); i++) await sleep(20);
      const before = connections;
      // Redis drops the subscriber's connection only (as an output buffer limit or a proxy's idle timeout does).
      expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBe(1);
      for (let i = 0; i < 150 && connections === before; i++) await sleep(20);
      expect(connections).toBeGreaterThan(before);
      const heard: string[] = [];
      state.subscribe('after', (message) => heard.push(message));
      await sleep(100);
      await admin.publish('test:after', 'hello');
      for (let i = 0; i < 100 && heard.length === 0; i++) await sleep(20);
      expect(heard).toEqual(['hello']);
    } finally {
      admin.disconnect();
      await state.close();
    }
  });

  it('carries nothing it kept in memory during one outage into the next: Redis had the say in between', async () => {
    const own = await startRedis();
    const state = new RedisSharedState(own.url, 'test:', { commandTimeout: 100 });
    try {
      for (let i = 0; i < 100 && state.degraded; i++) await sleep(20);
      await own.stop();
      await state.set('cached', 'read while away', 60_000); // kept in memory
      expect(state.degraded).toBe(true);
      await own.start();
      for (let i = 0; i < 150 && state.degraded; i++) await sleep(20);
      expect(state.degraded).toBe(false);
      await own.stop();
      expect(await state.get('cached')).toBeUndefined();
    } finally {
      await state.close();
      await own.close();
    }
  });

  it('admits no more than the limit in any window across two replicas, at the end of the first window too', async () => {
    const [a, b] = [new RedisSharedState(redis.url, 'test:'), new RedisSharedState(redis.url, 'test:')];
    const admitted = async (count: number) => {
      let yes = 0;
      for (let i = 0; i < count; i++) if ((await (i % 2 ? a : b).admit('window', 5, 2_000)).admitted) yes++;
      return yes;
    };
    try {
      for (let i = 0; i < 100 && (a.degraded || b.degraded); i++) await sleep(20);
      const start = Date.now();
      expect(await admitted(1)).toBe(1);
      await sleep(1_200);
      expect(await admitted(6)).toBe(4);
      const refused = await a.admit('window', 5, 2_000);
      expect(refused).toMatchObject({ admitted: false, count: 6 });
      expect(refused.slotFreeInMs).toBeGreaterThan(0);
      expect(refused.slotFreeInMs).toBeLessThanOrEqual(800);
      // The first event has left the window, the four of a moment ago have not: one slot, not five.
      await sleep(start + 2_100 - Date.now());
      expect(await admitted(6)).toBe(1);
      expect(a.degraded || b.degraded).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('writes several keys and deletes one in one round trip, in order', async () => {
    const state = new RedisSharedState(redis.url, 'test:');
    const admin = new Redis(redis.url);
    try {
      for (let i = 0; i < 100 && state.degraded; i++) await sleep(20);
      await admin.set('test:lock', 'held');
      await admin.config('RESETSTAT');
      await state.writeMany([
        { key: 'answer', value: '42', ttlMs: 1_000 },
        { key: 'cache', value: 'c', ttlMs: 60_000 },
        { key: 'lock', delete: true },
      ]);
      expect(await admin.mget('test:answer', 'test:cache', 'test:lock')).toEqual(['42', 'c', null]);
      expect(await admin.pttl('test:answer')).toBeLessThanOrEqual(1_000);
      expect(await admin.pttl('test:cache')).toBeGreaterThan(1_000);
      expect(state.degraded).toBe(false);
      // One MULTI … EXEC: the three writes went as one transaction.
      const stats = await admin.info('commandstats');
      expect(/cmdstat_exec:calls=(\d+)/.exec(stats)?.[1]).toBe('1');
    } finally {
      admin.disconnect();
      await state.close();
    }
  });
  describe('compare-and-set (replaceIf, deleteIf)', () => {
    it('replaces and deletes a value only while the key holds the one expected, with its own expiry', async () => {
      const state = new RedisSharedState(redis.url, 'test:');
      const admin = new Redis(redis.url);
      try {
        for (let i = 0; i < 100 && state.degraded; i++) await sleep(20);
        await admin.set('test:cas', 'seen', 'PX', 60_000);
        expect(await state.replaceIf('cas', 'other', 'lost', 60_000)).toBe(false);
        expect(await admin.get('test:cas')).toBe('seen');
        expect(await state.replaceIf('cas', 'seen', 'next', 1_000)).toBe(true);
        expect(await admin.get('test:cas')).toBe('next');
        expect(await admin.pttl('test:cas')).toBeLessThanOrEqual(1_000);
        expect(await state.replaceIf('cas-absent', 'seen', 'next', 60_000)).toBe(false);
        expect(await admin.exists('test:cas-absent')).toBe(0);
        expect(await state.deleteIf('cas', 'seen')).toBe(false);
        expect(await state.deleteIf('cas', 'next')).toBe(true);
        expect(await admin.exists('test:cas')).toBe(0);
        expect(state.degraded).toBe(false);
      } finally {
        admin.disconnect();
        await state.close();
      }
    });

    it('lets one of several replicas that saw the same value replace it, and no other', async () => {
      const replicas = Array.from({ length: 4 }, () => new RedisSharedState(redis.url, 'test:'));
      try {
        for (let i = 0; i < 100 && replicas.some((r) => r.degraded); i++) await sleep(20);
        for (let round = 0; round < 20; round++) {
          await replicas[0].set('contended', `seen-${round}`, 60_000);
          const won = await Promise.all(
            replicas.flatMap((replica, r) =>
              [0, 1, 2].map((c) => replica.replaceIf('contended', `seen-${round}`, `${r}-${c}`, 60_000)),
            ),
          );
          expect(won.filter(Boolean)).toHaveLength(1);
          const winner = won.indexOf(true);
          expect(await replicas[1].get('contended')).toBe(`${Math.floor(winner / 3)}-${winner % 3}`);
        }
        expect(replicas.some((r) => r.degraded)).toBe(false);
      } finally {
        for (const replica of replicas) await replica.close();
      }
    });

    it('answers from memory while Redis is away, where a value Redis holds is not seen', async () => {
      const own = await startRedis();
      const state = new RedisSharedState(own.url, 'test:', { commandTimeout: 100 });
      try {
        for (let i = 0; i < 100 && state.degraded; i++) await sleep(20);
        await state.set('cas', 'seen', 60_000);
        await own.stop();
        // Redis holds 'seen', out of reach: memory holds nothing, so nothing is replaced, and the caller is told why.
        expect(await state.replaceIf('cas', 'seen', 'next', 60_000)).toBe(false);
        expect(state.degraded).toBe(true);
        await state.set('away', 'seen', 60_000);
        expect(await state.replaceIf('away', 'seen', 'next', 60_000)).toBe(true);
        expect(await state.get('away')).toBe('next');
        expect(await state.deleteIf('away', 'next')).toBe(true);
      } finally {
        await state.close();
        await own.close();
      }
    });
  });
});
