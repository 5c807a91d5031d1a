import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayConfig } from '../../../src/config/gateway-config';
import { GATEWAY_CONFIG } from '../../../src/config/gateway-config.provider';
import { registerCorrelationHook } from '../../../src/correlation/correlation.hook';
import { GatewayGraphqlModule } from '../../../src/graphql/graphql.module';
import { PartnerCenterClient } from '../../../src/partner-center/partner-center.client';
import { SpendingBudget } from '../../../src/partner-center/spending-budget';
import { configureHttp } from '../../../src/problem/configure-http';
import { UsageBudgetModule } from '../../../src/usage-budget/usage-budget.module';
import { setupOpenApi } from '../../../src/usage-budget/openapi';

/** Stands in for Partner Center: records every call and answers what the test scripted. */
export class FakePartnerCenterClient {
  readonly calls: Array<{ operation: 'get' | 'update'; customerId: string; amount?: number }> = [];
  answer: () => Promise<SpendingBudget> = async () => ({ amount: 100, usageSpendingBudget: 100 });

  getUsageBudget(customerId: string): Promise<SpendingBudget> {
    this.calls.push({ operation: 'get', customerId });
    return this.answer();
  }

  updateUsageBudget(customerId: string, amount: number): Promise<SpendingBudget> {
    this.calls.push({ operation: 'update', customerId, amount });
    return this.answer();
  }
}

export function testConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    production: false,
    http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1024 },
    logLevel: 'silent',
    usageBudget: { maxAmount: 1_000_000 },
    rateLimit: { perMinute: 0 },
    auth: { mode: 'disabled' },
    ...overrides,
  };
}

/** The inbound side as the gateway wires it (same hook, filter and OpenAPI set-up), over a fake Partner Center. */
export async function createUsageBudgetTestApp(config: GatewayConfig = testConfig()) {
  const partnerCenter = new FakePartnerCenterClient();

  @Global()
  @Module({
    providers: [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: PartnerCenterClient, useValue: partnerCenter },
    ],
    exports: [GATEWAY_CONFIG, PartnerCenterClient],
  })
  class FakeOutboundModule {}

  const moduleRef = await Test.createTestingModule({
    imports: [FakeOutboundModule, GatewayGraphqlModule.forRoot(config), UsageBudgetModule],
  }).compile();
  moduleRef.useLogger(false);
  const adapter = new FastifyAdapter({ bodyLimit: config.http.bodyLimitBytes });
  registerCorrelationHook(adapter.getInstance());
  const app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { logger: false });
  configureHttp(app, config);
  setupOpenApi(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, partnerCenter };
}
