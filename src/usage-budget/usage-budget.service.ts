import { Inject, Injectable } from '@nestjs/common';
import { assertNoViolations } from '../common/invalid-input.error';
import { PartnerCenterClient } from '../partner-center/partner-center.client';
import type { PartnerCenterSpendingBudget } from '../partner-center/spending-budget';
import type { RequestContext } from '../request-context/request-context';
import type { CustomerBudget } from './customer-budget';
import { upstreamRequestId } from './idempotency';
import { BudgetReads } from './reads/budget-reads';
import { USAGE_BUDGET_CONFIG, UsageBudgetConfig } from './usage-budget.config';
import { BudgetWrites } from './writes/budget-writes';
import { customerIdViolations, customerIdsViolations, updateViolations } from './usage-budget.rules';

/** What a caller may add to a call: its own idempotency key (a GUID), honoured across its retries. */
export interface CallOptions {
  idempotencyKey?: string;
  /** The inbound request served: its caller and correlation id reach Partner Center, the audit trail and the logs. */
  context?: RequestContext;
  /** A read that must not be answered from the cache (REST's `Cache-Control: no-cache` or `max-age=0`). */
  fresh?: boolean;
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
    private readonly writes: BudgetWrites,
    @Inject(USAGE_BUDGET_CONFIG) private readonly config: UsageBudgetConfig,
  ) {}

  async get(customerId: string, options: CallOptions = {}): Promise<CustomerBudget> {
    return (await this.serve(customerId, options)).budget;
  }

  async serve(customerId: string, options: CallOptions = {}): Promise<ServedBudget> {
    assertNoViolations(customerIdViolations(customerId));
    const { context } = options;
    const requestId =
      options.idempotencyKey && upstreamRequestId(context?.caller, options.idempotencyKey, 'read');
    const { budget, ageMs } = await this.reads.read(customerId, requestId, context, options.fresh);
    return { budget: toCustomerBudget(customerId, budget), ageMs, maxAgeMs: this.reads.cache.ttlMs };
  }

  /**
   * A batched read's customers (ids already checked), each answer or error at its position. At most as many reads
   * at once as the bulkhead admits calls: a batch larger than its queue would otherwise have the items past it
   * refused with 503 by a healthy Partner Center. The reads still share coalescing, the cache and the quota limit.
   */
  async getMany(
    customerIds: readonly string[],
    options: CallOptions = {},
  ): Promise<Array<CustomerBudget | Error>> {
    const answers = new Array<CustomerBudget | Error>(customerIds.length);
    let next = 0;
    const reader = async () => {
      while (next < customerIds.length) {
        const index = next++;
        answers[index] = await this.get(customerIds[index], options).catch(asError);
      }
    };
    const readers = Math.min(customerIds.length, this.partnerCenter.maxConcurrentCalls);
    await Promise.all(Array.from({ length: readers }, reader));
    return answers;
  }

  /** Checks a batched read's ids before any of them is read (one bad id refuses the whole batch, no call made). */
  assertBatch(customerIds: unknown[]): void {
    assertNoViolations(customerIdsViolations(customerIds, this.config.batchMaxIds));
  }

  /** A change of a customer's budget (BudgetWrites): applied once, reported not applied, or said to be unknown. */
  async update(customerId: string, amount: number, options: CallOptions = {}): Promise<CustomerBudget> {
    assertNoViolations(updateViolations(customerId, amount, this.config.maxAmount));
    const budget = await this.writes.change(customerId, amount, options.idempotencyKey, options.context);
    return toCustomerBudget(customerId, budget);
  }
}

/** graphql-js reports an Error in a list as that item's error, at its index. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function toCustomerBudget(customerId: string, budget: PartnerCenterSpendingBudget): CustomerBudget {
  return { customerId, amount: budget.amount, usageSpendingBudget: budget.usageSpendingBudget ?? null };
}
