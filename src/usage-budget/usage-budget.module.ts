import { DynamicModule, Module } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { UsageBudgetController } from './usage-budget.controller';
import { USAGE_BUDGET_CONFIG, UsageBudgetConfig } from './usage-budget.config';
import { UsageBudgetResolver } from './usage-budget.resolver';
import { UsageBudgetService } from './usage-budget.service';
import { BudgetCache } from './reads/budget-cache';
import { BudgetReads } from './reads/budget-reads';
import { PartnerCenterClient } from '../partner-center/partner-center.client';

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
        {
          provide: BudgetReads,
          inject: [PartnerCenterClient],
          useFactory: (partnerCenter: PartnerCenterClient) =>
            new BudgetReads(partnerCenter, new BudgetCache(config.cacheTtlMs)),
        },
        UsageBudgetService,
        UsageBudgetResolver,
        AuditTrail,
      ],
    };
  }
}
