import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { MemorySharedState } from './memory-shared-state';
import type * as RedisBackend from './redis-shared-state';
import { SHARED_STATE, SharedState } from './shared-state';
import type { SharedStateConfig } from './shared-state.config';

/** The shared state every replica-aware part injects: Redis when REDIS_URL is set, else this process's memory. */
@Global()
@Module({})
export class SharedStateModule implements OnApplicationShutdown {
  constructor(@Inject(SHARED_STATE) private readonly state: SharedState) {}

  static forRoot(config: SharedStateConfig): DynamicModule {
    return {
      module: SharedStateModule,
      providers: [
        {
          provide: SHARED_STATE,
          useFactory: (): SharedState => {
            if (!config.redisUrl) return new MemorySharedState();
            // Required only with REDIS_URL: ioredis (~50 modules, a few MB of RSS) is dead weight in a single
            // process, which is how most gateways run.
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { RedisSharedState } = require('./redis-shared-state') as typeof RedisBackend;
            return new RedisSharedState(config.redisUrl, config.keyPrefix, {
              commandTimeout: config.commandTimeoutMs,
            });
          },
        },
      ],
      exports: [SHARED_STATE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.state.close();
  }
}
