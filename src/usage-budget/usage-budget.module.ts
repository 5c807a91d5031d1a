import { Module } from '@nestjs/common';
import { UsageBudgetController } from './usage-budget.controller';
import { UsageBudgetResolver } from './usage-budget.resolver';
import { UsageBudgetService } from './usage-budget.service';
import { AuditTrail } from '../audit/audit-trail';

/**
 * Both inbound adapters of the usage-budget use case. PartnerCenterClient and GATEWAY_CONFIG come from
 * global modules (PartnerCenterModule.forRoot and the config module), so tests can swap them.
 */
@Module({
  controllers: [UsageBudgetController],
  providers: [UsageBudgetService, UsageBudgetResolver, AuditTrail],
})
export class UsageBudgetModule {}
