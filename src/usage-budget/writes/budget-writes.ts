import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditTrail } from '../../audit/audit-trail';
import { PartnerCenterError } from '../../partner-center/errors/partner-center-error';
import { PartnerCenterClient } from '../../partner-center/partner-center.client';
import type { PartnerCenterSpendingBudget } from '../../partner-center/spending-budget';
import type { RequestContext } from '../../request-context/request-context';
import { SHARED_STATE, SharedState } from '../../shared-state/shared-state';
import { upstreamRequestId } from '../idempotency';
import { BudgetReads } from '../reads/budget-reads';
import { keyUsedForAnotherChange, WriteRecords } from './write-records';

/**
 * A change of a customer's budget, applied once or reported not applied, and, when the gateway cannot know, said
 * so (OUTCOME_UNKNOWN with the key that makes a retry safe).
 */
@Injectable()
export class BudgetWrites {
  private readonly records: WriteRecords;

  constructor(
    private readonly partnerCenter: PartnerCenterClient,
    private readonly reads: BudgetReads,
    private readonly audit: AuditTrail,
    @Inject(SHARED_STATE) shared: SharedState,
  ) {
    this.records = new WriteRecords(shared);
  }

  /**
   * One upstream call: the write never waits for, or depends on, a read. The audit event says what the change
   * replaced when a fresh value is known (the read cache), else that the old amount is unknown. Every write carries
   * an idempotency key (the caller's, or one made here), so a write whose outcome is unknown can be retried safely.
   */
  async change(
    customerId: string,
    amount: number,
    callersKey: string | undefined,
    context: RequestContext | undefined,
  ): Promise<PartnerCenterSpendingBudget> {
    const idempotencyKey = callersKey ?? randomUUID();
    const requestId = upstreamRequestId(context?.caller, idempotencyKey);
    const claim = await this.records.claim(requestId, customerId, amount, callersKey !== undefined);
    if (claim.budget) return claim.budget;
    const oldAmount = this.reads.known(customerId, context?.caller)?.amount;
    if (claim.contended) {
      const crowded = new KeyContended(requestId, idempotencyKey);
      this.audit.budgetChanged({
        customerId,
        oldAmount,
        newAmount: amount,
        outcome: 'unknown',
        error: crowded,
        context,
      });
      throw crowded;
    }
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
      if (await this.records.recordApplied(requestId, customerId, amount, updated)) {
        this.audit.budgetChanged({ customerId, oldAmount, newAmount: amount, outcome: 'success', context });
      }
      return updated;
    } catch (answer) {
      let error = answer;
      if (
        !claim.unsettled &&
        error instanceof PartnerCenterError &&
        error.kind !== 'outcome-unknown' &&
        !(await this.records.recordNotApplied(requestId, claim, customerId, amount)) &&
        callersKey !== undefined
      ) {
        // Another call under the caller's key came while this one was under way (its claim replaced this one's): its
        // request may have reached Partner Center first, and this refusal (a 409 "being processed", a 429) speaks for
        // this call only. Settled by a read, as any call that may have been applied. A key made here is this call's
        // alone.
        error = spokeForThisCallOnly(error);
      }
      const outcome = await this.settle(customerId, amount, error, idempotencyKey, context);
      if (outcome.confirmed) {
        if (await this.records.recordApplied(requestId, customerId, amount, outcome.confirmed)) {
          this.audit.budgetChanged({
            customerId,
            oldAmount,
            newAmount: amount,
            outcome: 'success',
            confirmedByRead: true,
            context,
          });
        }
        return outcome.confirmed;
      }
      if (
        outcome.readAnotherAmount &&
        error instanceof AnotherAmountAnswered &&
        callersKey !== undefined &&
        !claim.unsettled &&
        (await this.records.forget(requestId, claim))
      ) {
        // The caller's key, used here for the first time, answered with another amount that the read confirms:
        // Partner Center replayed an earlier change made under this MS-RequestId (its record here was lost, e.g.
        // Redis flushed): the key named another change, and this one was not applied. This change's claim would
        // refuse the retries of the change the key really names: it goes, and the next use of the key is asked of
        // Partner Center again (it replays that change; which customer it was for is not known here, so it is not
        // recorded in its place). Unless another call under the key replaced the claim meanwhile: then this call
        // was not alone, and its outcome stays unknown.
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

/**
 * A refusal of a call that was not alone under its key: it says this call was not applied, not that the change was
 * not. The outcome is for a read to settle; a wait the refusal asked for (a 429's Retry-After) is the caller's too.
 */
function spokeForThisCallOnly(refusal: PartnerCenterError): PartnerCenterError {
  return new PartnerCenterError({
    kind: 'outcome-unknown',
    source: 'partner-center',
    status: refusal.status,
    retryAfterSeconds: refusal.retryAfterSeconds,
    requestId: refusal.requestId,
    attempts: refusal.attempts,
  });
}

/** Other calls under the key kept moving its record: this one sent nothing, and cannot tell the change's outcome. */
class KeyContended extends PartnerCenterError {
  constructor(requestId: string, idempotencyKey: string) {
    super(
      { kind: 'outcome-unknown', source: 'partner-center', requestId, attempts: 0, idempotencyKey },
      'other calls under this idempotency key are under way; retry with it later',
    );
  }
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

/**
 * Whether Partner Center's answer to a write is this change: the amount asked for, to the cent (it may round). Not
 * the case when it replays an earlier change made under the same MS-RequestId.
 */
function answersChange(answer: PartnerCenterSpendingBudget, amount: number): boolean {
  return answer.amount !== null && Math.abs(answer.amount - amount) < 0.005;
}
