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

  afterEach(() => jest.restoreAllMocks());
});
