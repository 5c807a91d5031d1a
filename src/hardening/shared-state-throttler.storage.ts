import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type { SharedState } from '../shared-state/shared-state';

/**
 * @nestjs/throttler's storage contract over the shared state: the fleet's Redis, counted by every replica, so a
 * caller's limit holds across the fleet; this process's memory without REDIS_URL (one gateway limits the same way
 * with or without Redis). A sliding window: no span of `ttl` ever admits more than `limit`. A window that opens with
 * the first hit, or at the clock's minute, lets a caller spend its limit just before the window ends and again just
 * after: twice the limit within a second. A request refused is not counted; `Retry-After` is the time until the
 * oldest request admitted leaves the window, when one may go again.
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
    const { admitted, count, slotFreeInMs } = await this.shared.admit(
      `throttler:${throttlerName}:${key}`,
      limit,
      ttl,
    );
    const secondsLeft = Math.max(1, Math.ceil(slotFreeInMs / 1000));
    return {
      totalHits: count,
      timeToExpire: secondsLeft,
      isBlocked: !admitted,
      timeToBlockExpire: admitted ? 0 : secondsLeft,
    };
  }
}
