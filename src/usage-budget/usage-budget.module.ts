import { DynamicModule, Module } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { UsageBudgetController } from './usage-budget.controller';
import { USAGE_BUDGET_CONFIG, UsageBudgetConfig } from './usage-budget.config';
import { UsageBudgetResolver } from './usage-budget.resolver';
import { UsageBudgetService } from './usage-budget.service';
import { BudgetCache } from './reads/budget-cache';
import { BudgetReads } from './reads/budget-reads';
import { BudgetWrites } from './writes/budget-writes';
import { OutcomeUnknownSeries } from './writes/outcome-unknown.series';
import { PartnerCenterClient } from '../partner-center/partner-center.client';
import { SHARED_STATE, SharedState } from '../shared-state/shared-state';
import { Metrics } from '../observability/metrics';

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
          inject: [PartnerCenterClient, SHARED_STATE, { token: Metrics, optional: true }],
          useFactory: (partnerCenter: PartnerCenterClient, shared: SharedState, metrics?: Metrics) => {
            const reads = metrics?.counter(
              'gateway_budget_reads_total',
              'Budget reads by where the answer came from.',
              ['source'],
            );
            return new BudgetReads(partnerCenter, new BudgetCache(config.cacheTtlMs), shared, (source) =>
              reads?.inc({ source }),
            );
          },
        },
        BudgetWrites,
        OutcomeUnknownSeries,
        UsageBudgetService,
        UsageBudgetResolver,
        AuditTrail,
      ],
    };
  }
}
