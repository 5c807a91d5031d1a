import { MemorySharedState } from '../../../src/shared-state/memory-shared-state';
import { SharedStateThrottlerStorage } from '../../../src/hardening/shared-state-throttler.storage';

const MINUTE = 60_000;

describe('the fleet storage of the per-caller limit', () => {
  it('gives a burst straddling a minute of the clock no second allowance', async () => {
    let now = 5 * MINUTE - 500; // half a second before a minute of the clock begins
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const storage = new SharedStateThrottlerStorage(new MemorySharedState(() => now));
    const hits: boolean[] = [];
    for (let i = 0; i < 55; i++) {
      hits.push((await storage.increment('caller-a', MINUTE, 40, 0, 'caller')).isBlocked);
      now += 20;
    }
    expect(hits.filter((blocked) => !blocked)).toHaveLength(40);
    const refused = await storage.increment('caller-a', MINUTE, 40, 0, 'caller');
    // Its window opened with its first hit: it ends a minute after it, not at the minute of the clock.
    expect(refused.timeToExpire).toBe(Math.ceil((5 * MINUTE - 500 + MINUTE - now) / 1000));
    now = 5 * MINUTE - 500 + MINUTE;
    expect((await storage.increment('caller-a', MINUTE, 40, 0, 'caller')).isBlocked).toBe(false);
  });

  it('admits no more than the limit within any minute, across the end of the window the first hit opened', async () => {
    let now = 7 * MINUTE;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const storage = new SharedStateThrottlerStorage(new MemorySharedState(() => now));
    const take = async () => !(await storage.increment('caller-b', MINUTE, 40, 0, 'caller')).isBlocked;
    expect(await take()).toBe(true); // one request, then quiet
    now += MINUTE - 1_000;
    const late: boolean[] = [];
    for (let i = 0; i < 45; i++) late.push(await take());
    expect(late.filter(Boolean)).toHaveLength(39);
    // The first request's minute is over: one slot is free again, not forty, for the 39 are a second old.
    now += 1_000;
    const early: boolean[] = [];
    for (let i = 0; i < 45; i++) early.push(await take());
    expect(early.filter(Boolean)).toHaveLength(1);
    // Told to come back when the 39 leave the minute: then they may go again.
    const refused = await storage.increment('caller-b', MINUTE, 40, 0, 'caller');
    expect(refused.isBlocked).toBe(true);
    expect(refused.timeToBlockExpire).toBe(59);
    now += 59_000;
    const after: boolean[] = [];
    for (let i = 0; i < 45; i++) after.push(await take());
    expect(after.filter(Boolean)).toHaveLength(39);
  });

  afterEach(() => jest.restoreAllMocks());
});
