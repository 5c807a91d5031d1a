import { DynamicModule, Global, Module } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { SHARED_STATE, SharedState } from '../shared-state/shared-state';
import { CallerRateLimiter } from './caller-rate-limiter';
import { RATE_LIMIT_CONFIG, RateLimitConfig } from './rate-limit.config';
import { SharedStateThrottlerStorage } from './shared-state-throttler.storage';

/**
 * The request limits' counters, in sliding windows over the shared state: this process's memory, or the fleet's
 * Redis when shared state is configured. Global, because authentication counts failed tokens in the same storage (src/auth/ may not
 * import hardening).
 */
@Global()
@Module({})
export class RateLimitModule {
  static forRoot(config: RateLimitConfig): DynamicModule {
    return {
      module: RateLimitModule,
      providers: [
        { provide: RATE_LIMIT_CONFIG, useValue: config },
        {
          provide: ThrottlerStorage,
          inject: [SHARED_STATE],
          useFactory: (shared: SharedState) => new SharedStateThrottlerStorage(shared),
        },
        CallerRateLimiter,
      ],
      exports: [ThrottlerStorage, CallerRateLimiter],
    };
  }
}
