import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { assertNoViolations } from '../common/invalid-input.error';
import { PartnerCenterError } from '../partner-center/errors/partner-center-error';
import { PartnerCenterClient } from '../partner-center/partner-center.client';
import type { PartnerCenterSpendingBudget } from '../partner-center/spending-budget';
import { currentCaller } from '../request-context/request-context';
import { AuditTrail } from '../audit/audit-trail';
import type { CustomerBudget } from './customer-budget';
import { upstreamRequestId } from './idempotency';
import { BudgetReads } from './reads/budget-reads';
import { USAGE_BUDGET_CONFIG, UsageBudgetConfig } from './usage-budget.config';
import { amountViolations, customerIdViolations, customerIdsViolations } from './usage-budget.rules';

/** What a caller may add to a call: its own idempotency key (a GUID), honoured across its retries. */
export interface CallOptions {
  idempotencyKey?: string;
}

/** A budget with how fresh it is, for adapters that can say so (REST's Age and Cache-Control). */
export interface ServedBudget {
  budget: CustomerBudget;
  /** 0 when just read from Partner Center; the cache entry's age otherwise. */
  ageMs: number;
  /** How long the answer may be reused (the cache TTL); 0 when the cache is off. */
  maxAgeMs: number;
}

/** The one use case behind both adapters: read or set a customer's budget through Partner Center. */
@Injectable()
export class UsageBudgetService {
  constructor(
    private readonly partnerCenter: PartnerCenterClient,
    private readonly reads: BudgetReads,
    private readonly audit: AuditTrail,
    @Inject(USAGE_BUDGET_CONFIG) private readonly config: UsageBudgetConfig,
  ) {}

  async get(customerId: string, options: CallOptions = {}): Promise<CustomerBudget> {
    return (await this.serve(customerId, options)).budget;
  }

  async serve(customerId: string, options: CallOptions = {}): Promise<ServedBudget> {
    assertNoViolations(customerIdViolations(customerId));
    const requestId = options.idempotencyKey && upstreamRequestId(currentCaller(), options.idempotencyKey);
    const { budget, ageMs } = await this.reads.read(customerId, requestId);
    return { budget: toCustomerBudget(customerId, budget), ageMs, maxAgeMs: this.reads.cache.ttlMs };
  }

  /** Checks a batched read's ids before any of them is read (one bad id refuses the whole batch, no call made). */
  assertBatch(customerIds: unknown[]): void {
    assertNoViolations(customerIdsViolations(customerIds, this.config.batchMaxIds));
  }

  /**
   * One upstream call: the write never waits for, or depends on, a read. The audit event says what the change
   * replaced when a fresh value is known (the read cache), else that the old amount is unknown. Every write carries
   * an idempotency key (the caller's, or one made here), so a write whose outcome is unknown can be retried safely.
   */
  async update(customerId: string, amount: number, options: CallOptions = {}): Promise<CustomerBudget> {
    assertNoViolations([
      ...customerIdViolations(customerId),
      ...amountViolations(amount, this.config.maxAmount),
    ]);
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const requestId = upstreamRequestId(currentCaller(), idempotencyKey);
    const oldAmount = this.reads.known(customerId)?.amount;
    this.reads.invalidate(customerId);
    try {
      const updated = await this.partnerCenter.updateUsageBudget(customerId, amount, requestId);
      this.audit.budgetChanged({ customerId, oldAmount, newAmount: amount, outcome: 'success' });
      return toCustomerBudget(customerId, updated);
    } catch (error) {
      const outcome = await this.settle(customerId, amount, error, idempotencyKey);
      if (outcome.confirmed) {
        this.audit.budgetChanged({
          customerId,
          oldAmount,
          newAmount: amount,
          outcome: 'success',
          confirmedByRead: true,
        });
        return toCustomerBudget(customerId, outcome.confirmed);
      }
      this.audit.budgetChanged({
        customerId,
        oldAmount,
        newAmount: amount,
        outcome: outcome.unknown ? 'unknown' : 'failure',
        error: outcome.error,
      });
      throw outcome.error;
    } finally {
      this.reads.invalidate(customerId);
    }
  }

  /**
   * A write whose outcome is unknown is confirmed by one read where that is cheap: the amount asked for is there →
   * success. Otherwise the caller gets OUTCOME_UNKNOWN with the key that makes its retry safe.
   */
  private async settle(
    customerId: string,
    amount: number,
    error: unknown,
    idempotencyKey: string,
  ): Promise<{ confirmed?: PartnerCenterSpendingBudget; unknown?: boolean; error: unknown }> {
    if (!(error instanceof PartnerCenterError) || error.kind !== 'outcome-unknown') return { error };
    try {
      const current = await this.partnerCenter.getUsageBudget(customerId);
      if (current.amount === amount) return { confirmed: current, error };
    } catch {
      // The read failed too: the outcome stays unknown.
    }
    return { unknown: true, error: new PartnerCenterError({ ...error, idempotencyKey }, error.message) };
  }
}

function toCustomerBudget(customerId: string, budget: PartnerCenterSpendingBudget): CustomerBudget {
  return { customerId, amount: budget.amount, usageSpendingBudget: budget.usageSpendingBudget ?? null };
}
