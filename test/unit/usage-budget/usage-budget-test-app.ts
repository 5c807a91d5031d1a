import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { GatewayConfig } from '../../../src/gateway-config';
import { registerRequestContextHook } from '../../../src/request-context/request-context.hook';
import { GatewayGraphqlModule } from '../../../src/graphql/graphql.module';
import { PartnerCenterClient } from '../../../src/partner-center/partner-center.client';
import type { PartnerCenterSpendingBudget } from '../../../src/partner-center/spending-budget';
import { configureHttp } from '../../../src/problem/configure-http';
import { MemorySharedState } from '../../../src/shared-state/memory-shared-state';
import { SHARED_STATE } from '../../../src/shared-state/shared-state';
import { UsageBudgetModule } from '../../../src/usage-budget/usage-budget.module';
import { usageBudgetInputChecks } from '../../../src/usage-budget/usage-budget.resolver';
import { setupOpenApi } from '../../../src/usage-budget/openapi';

/** Stands in for Partner Center: records every call and answers what the test scripted. */
export class FakePartnerCenterClient {
  readonly calls: Array<{
    operation: 'get' | 'update';
    customerId: string;
    amount?: number;
    requestId?: string;
  }> = [];
  answer: () => Promise<PartnerCenterSpendingBudget> = async () => ({
    amount: 100,
    usageSpendingBudget: 100,
  });

  identityScope(): string {
    return 'app';
  }

  getUsageBudget(customerId: string, requestId?: string): Promise<PartnerCenterSpendingBudget> {
    this.calls.push({ operation: 'get', customerId, ...(requestId && { requestId }) });
    return this.answer();
  }

  confirmUsageBudget(customerId: string): Promise<PartnerCenterSpendingBudget> {
    return this.getUsageBudget(customerId);
  }

  updateUsageBudget(
    customerId: string,
    amount: number,
    requestId?: string,
  ): Promise<PartnerCenterSpendingBudget> {
    this.calls.push({ operation: 'update', customerId, amount, ...(requestId && { requestId }) });
    // As Partner Center does: the budget after the change is the amount sent.
    return this.answer().then((budget) => ({ ...budget, amount }));
  }
}

export function testConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    production: false,
    http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1024, requestTimeoutMs: 10_000, trustProxy: false },
    cors: { allowedOrigins: [], maxAgeSeconds: 600 },
    logLevel: 'silent',
    observability: { logging: { level: 'silent', format: 'json' } },
    shutdown: { drainDelayMs: 0, timeoutMs: 1_000 },
    usageBudget: { maxAmount: 1_000_000, cacheTtlMs: 0, batchMaxIds: 50 },
    rateLimit: { perMinute: 0 },
    upstream: { target: 'sandbox', connection: {} as never, sandbox: { port: 0 } },
    auth: { mode: 'disabled' },
    sharedState: { keyPrefix: 'test:', commandTimeoutMs: 500 },
    ...overrides,
  };
}

/** The inbound side as the gateway wires it (same hook, filter and OpenAPI set-up), over a fake Partner Center. */
export async function createUsageBudgetTestApp(config: GatewayConfig = testConfig()) {
  const partnerCenter = new FakePartnerCenterClient();

  @Global()
  @Module({
    providers: [
      { provide: PartnerCenterClient, useValue: partnerCenter },
      { provide: SHARED_STATE, useValue: new MemorySharedState() },
    ],
    exports: [PartnerCenterClient, SHARED_STATE],
  })
  class FakeOutboundModule {}

  const moduleRef = await Test.createTestingModule({
    imports: [
      FakeOutboundModule,
      GatewayGraphqlModule.forRoot({
        production: config.production,
        operationInputChecks: usageBudgetInputChecks(config.usageBudget),
      }),
      UsageBudgetModule.forRoot(config.usageBudget),
    ],
  }).compile();
  moduleRef.useLogger(false);
  const adapter = new FastifyAdapter({ bodyLimit: config.http.bodyLimitBytes });
  registerRequestContextHook(adapter.getInstance());
  const app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { logger: false });
  configureHttp(app, { bodyLimitBytes: config.http.bodyLimitBytes });
  setupOpenApi(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, partnerCenter };
}
