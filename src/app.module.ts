import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { Authenticator } from './auth/authenticator';
import { CallerRateLimitGuard } from './hardening/caller-rate-limit.guard';
import { CallerRateLimiter } from './hardening/caller-rate-limiter';
import type { GatewayConfig } from './gateway-config';
import { RateLimitModule } from './hardening/rate-limit.module';
import { SharedStateModule } from './shared-state/shared-state.module';
import { assertAcceptsGraphqlAnswer } from './graphql/accepted-answer';
import { registerGraphqlGate } from './graphql/graphql-gate.hook';
import { GatewayGraphqlModule } from './graphql/graphql.module';
import { HealthModule } from './health/health.module';
import type { ShutdownState } from './health/shutdown-state';
import type { Observability } from './observability/observability';
import { ObservabilityModule } from './observability/observability.module';
import { PartnerCenterModule } from './partner-center/partner-center.module';
import { PartnerCenterOptions } from './partner-center/partner-center.options';
import { UsageBudgetModule } from './usage-budget/usage-budget.module';
import { usageBudgetInputChecks } from './usage-budget/usage-budget.resolver';

/** The gateway: inbound adapters (GraphQL, REST) → usage-budget service → PartnerCenter module. */
@Module({})
export class AppModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: Authenticator,
    private readonly rateLimiter: CallerRateLimiter,
  ) {}

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
        RateLimitModule.forRoot(config.rateLimit),
        PartnerCenterModule.forRoot(partnerCenter),
        GatewayGraphqlModule.forRoot({
          production: config.production,
          sandbox: config.upstream.target === 'sandbox',
          operationInputChecks: usageBudgetInputChecks(config.usageBudget),
        }),
        UsageBudgetModule.forRoot(config.usageBudget),
        AuthModule.forRoot(config.auth),
        HealthModule.forRoot(runtime.shutdown),
      ],
      providers: [
        // The inbound gate, in this order: who is calling (and may they), then whether they are over their limit.
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useClass: CallerRateLimitGuard },
      ],
    };
  }

  /**
   * GraphQL's gate, once per HTTP request before Apollo: an answer the caller can read, then the REST order (who is
   * calling, then whether they are over their limit); resolver guards then find the caller.
   */
  onModuleInit(): void {
    registerGraphqlGate(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), [
      assertAcceptsGraphqlAnswer,
      (request, reply) => this.authenticator.callerOf(request, reply),
      (request) => this.rateLimiter.take(request),
    ]);
  }
}
