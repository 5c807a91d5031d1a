import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type { SharedState } from '../shared-state/shared-state';

/**
 * @nestjs/throttler's storage contract over the fleet's shared state (Redis), counted by every replica, so a caller's
 * limit holds across the fleet. A key's window opens with its first hit and lasts `ttl`, as in the library's own
 * in-memory ThrottlerStorageService (used without REDIS_URL): one gateway limits the same way with or without Redis.
 * Windows aligned to the clock's minutes would reset every caller at once, and a burst straddling that instant would
 * get twice the limit within a second.
 */
export class SharedStateThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly shared: SharedState) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const { count, resetInMs } = await this.shared.increment(`throttler:${throttlerName}:${key}`, ttl);
    const secondsLeft = Math.max(1, Math.ceil(resetInMs / 1000));
    const isBlocked = count > limit;
    return {
      totalHits: count,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    };
  }
}
