import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { CallerRateLimitGuard } from './hardening/caller-rate-limit.guard';
import type { GatewayConfig } from './gateway-config';
import { RATE_LIMIT_CONFIG } from './hardening/rate-limit.config';
import { SharedStateModule } from './shared-state/shared-state.module';
import { SHARED_STATE, SharedState } from './shared-state/shared-state';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { SharedStateThrottlerStorage } from './hardening/shared-state-throttler.storage';
import { GatewayGraphqlModule } from './graphql/graphql.module';
import { HealthModule } from './health/health.module';
import type { ShutdownState } from './health/shutdown-state';
import type { Observability } from './observability/observability';
import { ObservabilityModule } from './observability/observability.module';
import { PartnerCenterModule } from './partner-center/partner-center.module';
import { PartnerCenterOptions } from './partner-center/partner-center.options';
import { UsageBudgetModule } from './usage-budget/usage-budget.module';

/** The gateway: inbound adapters (GraphQL, REST) → usage-budget service → PartnerCenter module. */
@Module({})
export class AppModule {
  static forRoot(
    config: GatewayConfig,
    partnerCenter: PartnerCenterOptions,
    runtime: { observability: Observability; shutdown: ShutdownState },
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot(runtime.observability),
        SharedStateModule.forRoot(config.sharedState),
        PartnerCenterModule.forRoot(partnerCenter),
        GatewayGraphqlModule.forRoot({
          production: config.production,
          sandbox: config.upstream.target === 'sandbox',
        }),
        UsageBudgetModule.forRoot(config.usageBudget),
        AuthModule.forRoot(config.auth),
        HealthModule.forRoot(runtime.shutdown),
      ],
      providers: [
        { provide: RATE_LIMIT_CONFIG, useValue: config.rateLimit },
        {
          provide: ThrottlerStorage,
          inject: [SHARED_STATE],
          useFactory: (shared: SharedState) =>
            shared.backend === 'redis'
              ? new SharedStateThrottlerStorage(shared)
              : new ThrottlerStorageService(),
        },
        // The inbound gate, in this order: who is calling (and may they), then whether they are over their limit.
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useClass: CallerRateLimitGuard },
      ],
    };
  }
}
