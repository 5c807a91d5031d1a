import { DynamicModule, Module } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { UsageBudgetController } from './usage-budget.controller';
import { USAGE_BUDGET_CONFIG, UsageBudgetConfig } from './usage-budget.config';
import { UsageBudgetResolver } from './usage-budget.resolver';
import { UsageBudgetService } from './usage-budget.service';

/**
 * The usage-budget use case and both its inbound adapters. PartnerCenterClient comes from the global
 * PartnerCenterModule, so tests can swap it.
 */
@Module({})
export class UsageBudgetModule {
  static forRoot(config: UsageBudgetConfig): DynamicModule {
    return {
      module: UsageBudgetModule,
      controllers: [UsageBudgetController],
      providers: [
        { provide: USAGE_BUDGET_CONFIG, useValue: config },
        UsageBudgetService,
        UsageBudgetResolver,
        AuditTrail,
      ],
    };
  }
}
