import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG } from '../config/gateway-config.provider';
import type { GatewayConfig } from '../config/gateway-config';
import { PartnerCenterClient } from '../partner-center/partner-center.client';
import type { SpendingBudget as PartnerCenterSpendingBudget } from '../partner-center/spending-budget';
import { assertNoViolations } from '../problem/invalid-input.error';
import { SpendingBudget } from './models/spending-budget.model';
import { amountViolations, customerIdViolations } from './usage-budget.rules';
import { AuditTrail } from '../audit/audit-trail';
import { describeFailure } from '../problem/failure';
import { FAILURE_MAPPING } from '../problem/failure-mapping';

/** The one use case behind both adapters: read or set a customer's budget through Partner Center. */
@Injectable()
export class UsageBudgetService {
  private readonly maxAmount: number;

  constructor(
    private readonly partnerCenter: PartnerCenterClient,
    private readonly audit: AuditTrail,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.maxAmount = config.usageBudget.maxAmount;
  }

  async get(customerId: string): Promise<SpendingBudget> {
    assertNoViolations(customerIdViolations(customerId));
    return toSpendingBudget(customerId, await this.partnerCenter.getUsageBudget(customerId));
  }

  /** Reads the current amount first, so the audit event can say what the change replaced. */
  async update(customerId: string, amount: number): Promise<SpendingBudget> {
    assertNoViolations([...customerIdViolations(customerId), ...amountViolations(amount, this.maxAmount)]);
    let oldAmount: number | null | undefined;
    try {
      oldAmount = (await this.partnerCenter.getUsageBudget(customerId)).amount;
      const updated = toSpendingBudget(customerId, await this.partnerCenter.updateUsageBudget(customerId, amount));
      this.audit.budgetChanged({ customerId, oldAmount, newAmount: amount, outcome: 'success' });
      return updated;
    } catch (error) {
      this.audit.budgetChanged({ customerId, oldAmount, newAmount: amount, outcome: 'failure', errorCode: FAILURE_MAPPING[describeFailure(error).kind].code });
      throw error;
    }
  }
}

/** Partner Center's resource does not name its customer: the id comes from the request. */
function toSpendingBudget(customerId: string, budget: PartnerCenterSpendingBudget): SpendingBudget {
  return { customerId, amount: budget.amount, usageSpendingBudget: budget.usageSpendingBudget ?? null };
}
