import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Logger as PinoLogger } from 'pino';
import { PROCESS_LOGGER } from '../observability/logger';
import { describeFailure } from '../problem/failure';
import { FAILURE_MAPPING } from '../problem/failure-mapping';
import type { RequestContext } from '../request-context/request-context';

export interface BudgetChange {
  customerId: string;
  /** What the change replaced, when the gateway knows it without asking Partner Center (a write never waits on a read). */
  oldAmount?: number | null;
  newAmount: number;
  /** `unknown`: no answer says whether the change was applied (OUTCOME_UNKNOWN). */
  outcome: 'success' | 'failure' | 'unknown';
  /** The outcome was unknown, and a read showed the new amount in place. */
  confirmedByRead?: boolean;
  /** Why the change failed; recorded as the stable error code the caller saw. */
  error?: unknown;
  /** The request that asked for the change: its caller and correlation id. */
  context?: RequestContext;
}

/**
 * One structured event per budget change, success or failure: who (subject, app, user), which customer, from what
 * to what, under which correlation id. Emitted through the process logger as `event: "usage-budget.changed"`, so it
 * reaches the same sink, its scrubber included; the caller's token is never part of it. Written with this gateway's own
 * logger when it has one (not Nest's process-wide one): several gateways in one process each audit to their own.
 */
@Injectable()
export class AuditTrail {
  private readonly logger: { log(event: Record<string, unknown>): void };

  constructor(@Optional() @Inject(PROCESS_LOGGER) processLogger?: PinoLogger) {
    const audit = processLogger?.child({ context: 'Audit' });
    this.logger = audit ? { log: (event) => audit.info(event) } : new Logger('Audit');
  }

  budgetChanged(change: BudgetChange): void {
    const caller = change.context?.caller;
    const oldAmountKnown = change.oldAmount !== undefined;
    this.logger.log({
      msg: `usage budget change ${change.outcome}`,
      event: 'usage-budget.changed',
      audit: {
        caller: caller
          ? {
              subject: caller.subject,
              appId: caller.appId,
              userId: caller.userId,
              userName: caller.userName,
              anonymous: caller.anonymous,
            }
          : { anonymous: true },
        customerId: change.customerId,
        ...(oldAmountKnown && { oldAmount: change.oldAmount }),
        oldAmountKnown,
        newAmount: change.newAmount,
        correlationId: change.context?.correlationId,
        outcome: change.outcome,
        ...(change.confirmedByRead && { confirmedByRead: true }),
        ...(change.error !== undefined && {
          errorCode: FAILURE_MAPPING[describeFailure(change.error).kind].code,
        }),
      },
    });
  }
}
