import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { assertNoViolations, InvalidInputError } from '../common/invalid-input.error';
import { SHARED_STATE, SharedState } from '../shared-state/shared-state';
import { PartnerCenterError } from '../partner-center/errors/partner-center-error';
import { PartnerCenterClient } from '../partner-center/partner-center.client';
import type { PartnerCenterSpendingBudget } from '../partner-center/spending-budget';
import type { RequestContext } from '../request-context/request-context';
import { AuditTrail } from '../audit/audit-trail';
import type { CustomerBudget } from './customer-budget';
import { sameChange, upstreamRequestId } from './idempotency';
import { BudgetReads } from './reads/budget-reads';
import { USAGE_BUDGET_CONFIG, UsageBudgetConfig } from './usage-budget.config';
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
    private readonly audit: AuditTrail,
    @Inject(USAGE_BUDGET_CONFIG) private readonly config: UsageBudgetConfig,
    @Inject(SHARED_STATE) private readonly shared: SharedState,
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

  /**
   * One upstream call: the write never waits for, or depends on, a read. The audit event says what the change
   * replaced when a fresh value is known (the read cache), else that the old amount is unknown. Every write carries
   * an idempotency key (the caller's, or one made here), so a write whose outcome is unknown can be retried safely.
   */
  async update(customerId: string, amount: number, options: CallOptions = {}): Promise<CustomerBudget> {
    assertNoViolations(updateViolations(customerId, amount, this.config.maxAmount));
    const { context } = options;
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const requestId = upstreamRequestId(context?.caller, idempotencyKey);
    const claim = await this.claimKey(requestId, customerId, amount, options.idempotencyKey !== undefined);
    if (claim.budget) return toCustomerBudget(customerId, claim.budget);
    const oldAmount = this.reads.known(customerId, context?.caller)?.amount;
    await this.reads.invalidate(customerId);
    try {
      const updated = await this.partnerCenter.updateUsageBudget(
        customerId,
        amount,
        requestId,
        context,
        claim.unsettled,
      );
      // An answer naming another amount says nothing sure (a front end's stale copy of the budget, or Partner
      // Center's replay of another change under this MS-RequestId): settled by a read.
      if (!answersChange(updated, amount)) throw new AnotherAmountAnswered(requestId);
      if (await this.recordOutcome(requestId, customerId, amount, updated)) {
        this.audit.budgetChanged({ customerId, oldAmount, newAmount: amount, outcome: 'success', context });
      }
      return toCustomerBudget(customerId, updated);
    } catch (error) {
      const outcome = await this.settle(customerId, amount, error, idempotencyKey, context);
      if (outcome.confirmed) {
        if (await this.recordOutcome(requestId, customerId, amount, outcome.confirmed)) {
          this.audit.budgetChanged({
            customerId,
            oldAmount,
            newAmount: amount,
            outcome: 'success',
            confirmedByRead: true,
            context,
          });
        }
        return toCustomerBudget(customerId, outcome.confirmed);
      }
      if (
        outcome.readAnotherAmount &&
        error instanceof AnotherAmountAnswered &&
        options.idempotencyKey !== undefined &&
        !claim.unsettled
      ) {
        // The caller's key, used here for the first time, answered with another amount that the read confirms:
        // Partner Center replayed an earlier change made under this MS-RequestId (its record here was lost, e.g.
        // Redis flushed): the key named another change, and this one was not applied. This change's claim would
        // refuse the retries of the change the key really names: it goes, and the next use of the key is asked of
        // Partner Center again (it replays that change; which customer it was for is not known here, so it is not
        // recorded in its place).
        await this.shared.delete(`writes:${requestId}`);
        const refusal = keyUsedForAnotherChange();
        this.audit.budgetChanged({
          customerId,
          oldAmount,
          newAmount: amount,
          outcome: 'failure',
          error: refusal,
          context,
        });
        throw refusal;
      }
      if (!outcome.unknown && !claim.unsettled && outcome.error instanceof PartnerCenterError) {
        await this.recordNotApplied(requestId, customerId, amount);
      }
      this.audit.budgetChanged({
        customerId,
        oldAmount,
        newAmount: amount,
        outcome: outcome.unknown ? 'unknown' : 'failure',
        error: outcome.error,
        context,
      });
      throw outcome.error;
    } finally {
      await this.reads.invalidate(customerId);
    }
  }

  /**
   * The first use of an upstream id claims it for its change, atomically (on every replica, for a day), before
   * anything is sent: the same key with another change is refused, not applied, even while the first is under way.
   * A change already applied under it is answered from its record, without asking Partner Center again; the same
   * change still under way (a concurrent retry) goes too, under the same MS-RequestId: Partner Center applies it once.
   * That retry is `unsettled`: the earlier call may be under way still, or have ended without knowing (OUTCOME_UNKNOWN,
   * a caller that went away, a replica that died), so no refusal of the retry says the change was not made. Only an
   * earlier call that Partner Center answered with "not applied" leaves the retry's own answer the answer.
   * While Redis is unreachable a replica claims in its own memory, where the fleet's earlier uses of the caller's key
   * are not seen: a claim made there proves no first use, and the change is taken to be unsettled.
   */
  private async claimKey(
    requestId: string,
    customerId: string,
    amount: number,
    callersKey: boolean,
  ): Promise<{ budget?: PartnerCenterSpendingBudget; unsettled: boolean }> {
    const claim: WriteRecord = { customerId: customerId.toLowerCase(), amount };
    const raw = await this.shared.setIfAbsent(`writes:${requestId}`, JSON.stringify(claim), WRITE_RECORD_MS);
    if (!raw) return { unsettled: callersKey && this.shared.degraded };
    const record = JSON.parse(raw) as WriteRecord;
    if (!sameChange(record, { customerId, amount })) throw keyUsedForAnotherChange();
    if (record.budget) return { budget: record.budget, unsettled: false };
    if (!record.notApplied) return { unsettled: true };
    // This call is under way now: a retry arriving meanwhile must not take the earlier refusal for its own answer.
    await this.shared.set(`writes:${requestId}`, JSON.stringify(claim), WRITE_RECORD_MS);
    return { unsettled: false };
  }

  /**
   * Partner Center refused the change, or it was never sent (an open circuit, a full queue, no token): it was not
   * applied, and the key's next use may take its own answer as the answer. Not for a retry of an unsettled change.
   */
  private async recordNotApplied(requestId: string, customerId: string, amount: number): Promise<void> {
    const record: WriteRecord = { customerId: customerId.toLowerCase(), amount, notApplied: true };
    await this.shared.set(`writes:${requestId}`, JSON.stringify(record), WRITE_RECORD_MS);
  }

  /**
   * Records an applied change for its replays, and says whether this request is the first to find it applied: the
   * one whose success the audit trail reports. A retry of a change still under way is sent too, under the same
   * MS-RequestId, and Partner Center answers it with a replay of the one change it applied: without the shared
   * `reported` mark each of them, on any replica, would report that change again.
   */
  private async recordOutcome(
    requestId: string,
    customerId: string,
    amount: number,
    budget: PartnerCenterSpendingBudget,
  ): Promise<boolean> {
    const record: WriteRecord = { customerId: customerId.toLowerCase(), amount, budget };
    const [, alreadyReported] = await Promise.all([
      this.shared.set(`writes:${requestId}`, JSON.stringify(record), WRITE_RECORD_MS),
      this.shared.setIfAbsent(`writes:${requestId}:reported`, '1', WRITE_RECORD_MS),
    ]);
    return alreadyReported === undefined;
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
    context: RequestContext | undefined,
  ): Promise<{
    confirmed?: PartnerCenterSpendingBudget;
    unknown?: boolean;
    /** The read answered, with another amount than the one asked for. */
    readAnotherAmount?: boolean;
    error: unknown;
  }> {
    if (!(error instanceof PartnerCenterError) || error.kind !== 'outcome-unknown') return { error };
    let readAnotherAmount = false;
    try {
      const current = await this.partnerCenter.confirmUsageBudget(customerId, context);
      if (answersChange(current, amount)) return { confirmed: current, error };
      readAnotherAmount = true;
    } catch {
      // The read failed too: the outcome stays unknown.
    }
    return {
      unknown: true,
      readAnotherAmount,
      error: new PartnerCenterError({ ...error, idempotencyKey }, error.message),
    };
  }
}

/** The change a key names (claimed before the write is sent), and once applied what a replay answers. */
interface WriteRecord {
  customerId: string;
  amount: number;
  budget?: PartnerCenterSpendingBudget;
  /** The last call under the key was answered "not applied" (see recordNotApplied). */
  notApplied?: true;
}

/** graphql-js reports an Error in a list as that item's error, at its index. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Partner Center answered the change with a budget of another amount: its outcome is for a read to settle. */
class AnotherAmountAnswered extends PartnerCenterError {
  constructor(requestId: string) {
    super(
      { kind: 'outcome-unknown', source: 'partner-center', status: 200, requestId, attempts: 1 },
      'Partner Center answered the change with another amount than the one sent',
    );
  }
}

function keyUsedForAnotherChange(): InvalidInputError {
  return new InvalidInputError([
    {
      field: 'idempotencyKey',
      message: 'this idempotency key was used for another change; use a new key for a new change',
    },
  ]);
}

/**
 * Whether Partner Center's answer to a write is this change: the amount asked for, to the cent (it may round). Not
 * the case when it replays an earlier change made under the same MS-RequestId.
 */
function answersChange(answer: PartnerCenterSpendingBudget, amount: number): boolean {
  return answer.amount !== null && Math.abs(answer.amount - amount) < 0.005;
}

const WRITE_RECORD_MS = 24 * 60 * 60_000;

function toCustomerBudget(customerId: string, budget: PartnerCenterSpendingBudget): CustomerBudget {
  return { customerId, amount: budget.amount, usageSpendingBudget: budget.usageSpendingBudget ?? null };
}
