import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG } from '../config/gateway-config.provider';
import type { GatewayConfig } from '../config/gateway-config';
import { PartnerCenterClient } from '../partner-center/partner-center.client';
import type { SpendingBudget as PartnerCenterSpendingBudget } from '../partner-center/spending-budget';
import { assertNoViolations } from '../problem/invalid-input.error';
import { SpendingBudget } from './models/spending-budget.model';
import { amountViolations, customerIdViolations } from './usage-budget.rules';

/** The one use case behind both adapters: read or set a customer's budget through Partner Center. */
@Injectable()
export class UsageBudgetService {
  private readonly maxAmount: number;

  constructor(
    private readonly partnerCenter: PartnerCenterClient,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.maxAmount = config.usageBudget.maxAmount;
  }

  async get(customerId: string): Promise<SpendingBudget> {
    assertNoViolations(customerIdViolations(customerId));
    return toSpendingBudget(customerId, await this.partnerCenter.getUsageBudget(customerId));
  }

  async update(customerId: string, amount: number): Promise<SpendingBudget> {
    assertNoViolations([...customerIdViolations(customerId), ...amountViolations(amount, this.maxAmount)]);
    return toSpendingBudget(customerId, await this.partnerCenter.updateUsageBudget(customerId, amount));
  }
}

/** Partner Center's resource does not name its customer: the id comes from the request. */
function toSpendingBudget(customerId: string, budget: PartnerCenterSpendingBudget): SpendingBudget {
  return { customerId, amount: budget.amount, usageSpendingBudget: budget.usageSpendingBudget ?? null };
}
