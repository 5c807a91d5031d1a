import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type { SharedState } from '../shared-state/shared-state';

/**
 * @nestjs/throttler's storage contract over the fleet's shared state (Redis): one fixed window per key and `ttl`,
 * counted by every replica, so a caller's limit holds across the fleet. Without REDIS_URL the gateway uses the
 * library's own in-memory ThrottlerStorageService instead.
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
    const now = Date.now();
    const window = Math.floor(now / ttl);
    const { count } = await this.shared.increment(`throttler:${throttlerName}:${key}:${window}`, 2 * ttl);
    const secondsLeft = Math.max(1, Math.ceil(((window + 1) * ttl - now) / 1000));
    const isBlocked = count > limit;
    return {
      totalHits: count,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    };
  }
}
