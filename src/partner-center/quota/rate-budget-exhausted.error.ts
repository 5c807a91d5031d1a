import { PartnerCenterError } from '../errors/partner-center-error';

/** Seconds a caller refused by the request budget is asked to wait: its window slides by the second. */
const RATE_BUDGET_RETRY_AFTER_SECONDS = 1;

/**
 * The fleet's request budget (PARTNER_CENTER_MAX_REQUESTS_PER_SECOND) had no room for an attempt within its timeout:
 * nothing was sent, so the failure carries no Partner Center status (Partner Center answered nothing, and a 429 there
 * would send callers and operators after a throttle that never happened).
 */
export class RateBudgetExhaustedError extends PartnerCenterError {
  constructor(requestId: string) {
    super(
      {
        kind: 'rate-limited',
        source: 'partner-center',
        retryAfterSeconds: RATE_BUDGET_RETRY_AFTER_SECONDS,
        requestId,
        attempts: 0,
      },
      "no room in the gateway's budget of Partner Center requests within the attempt: not sent",
    );
    this.name = 'RateBudgetExhaustedError';
  }
}
