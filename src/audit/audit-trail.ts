import { Injectable, Logger } from '@nestjs/common';
import { currentCaller } from '../auth/caller';
import { currentCorrelationId } from '../correlation/correlation-context';

export interface BudgetChange {
  customerId: string;
  oldAmount: number | null | undefined;
  newAmount: number;
  outcome: 'success' | 'failure';
  /** The stable error code when the change failed. */
  errorCode?: string;
}

/**
 * One structured event per budget change, success or failure: who (subject, app, user), which customer, from what
 * to what, under which correlation id. Emitted through the process logger as `event: "usage-budget.changed"`, so it
 * reaches the same sink, redaction included; the caller's token is never part of it.
 */
@Injectable()
export class AuditTrail {
  private readonly logger = new Logger('Audit');

  budgetChanged(change: BudgetChange): void {
    const caller = currentCaller();
    this.logger.log({
      msg: `usage budget change ${change.outcome}`,
      event: 'usage-budget.changed',
      audit: {
        caller: caller
          ? { subject: caller.subject, appId: caller.appId, userId: caller.userId, userName: caller.userName, anonymous: caller.anonymous }
          : { anonymous: true },
        customerId: change.customerId,
        oldAmount: change.oldAmount ?? null,
        newAmount: change.newAmount,
        correlationId: currentCorrelationId(),
        outcome: change.outcome,
        ...(change.errorCode && { errorCode: change.errorCode }),
      },
    });
  }
}
