import { Inject, Injectable } from '@nestjs/common';
import { assertNoViolations } from '../common/invalid-input.error';
import { PartnerCenterClient } from '../partner-center/partner-center.client';
import type { PartnerCenterSpendingBudget } from '../partner-center/spending-budget';
import { currentCaller } from '../request-context/request-context';
import { AuditTrail } from '../audit/audit-trail';
import type { CustomerBudget } from './customer-budget';
import { upstreamRequestId } from './idempotency';
import { USAGE_BUDGET_CONFIG, UsageBudgetConfig } from './usage-budget.config';
import { amountViolations, customerIdViolations } from './usage-budget.rules';

/** What a caller may add to a call: its own idempotency key (a GUID), honoured across its retries. */
export interface CallOptions {
  idempotencyKey?: string;
}

/** The one use case behind both adapters: read or set a customer's budget through Partner Center. */
@Injectable()
export class UsageBudgetService {
  constructor(
    private readonly partnerCenter: PartnerCenterClient,
    private readonly audit: AuditTrail,
    @Inject(USAGE_BUDGET_CONFIG) private readonly config: UsageBudgetConfig,
  ) {}

  async get(customerId: string, options: CallOptions = {}): Promise<CustomerBudget> {
    assertNoViolations(customerIdViolations(customerId));
    return toCustomerBudget(
      customerId,
      await this.partnerCenter.getUsageBudget(customerId, this.requestIdFor(options)),
    );
  }

  /**
   * One upstream call: the write never waits for, or depends on, a read. The audit event therefore says what the
   * change replaced only when the gateway already knows it; otherwise it says the old amount is unknown.
   */
  async update(customerId: string, amount: number, options: CallOptions = {}): Promise<CustomerBudget> {
    assertNoViolations([
      ...customerIdViolations(customerId),
      ...amountViolations(amount, this.config.maxAmount),
    ]);
    try {
      const updated = toCustomerBudget(
        customerId,
        await this.partnerCenter.updateUsageBudget(customerId, amount, this.requestIdFor(options)),
      );
      this.audit.budgetChanged({ customerId, newAmount: amount, outcome: 'success' });
      return updated;
    } catch (error) {
      this.audit.budgetChanged({ customerId, newAmount: amount, outcome: 'failure', error });
      throw error;
    }
  }

  private requestIdFor(options: CallOptions): string | undefined {
    return options.idempotencyKey === undefined
      ? undefined
      : upstreamRequestId(currentCaller(), options.idempotencyKey);
  }
}

function toCustomerBudget(customerId: string, budget: PartnerCenterSpendingBudget): CustomerBudget {
  return { customerId, amount: budget.amount, usageSpendingBudget: budget.usageSpendingBudget ?? null };
}
