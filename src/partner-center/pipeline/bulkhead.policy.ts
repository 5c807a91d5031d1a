import { bulkhead, BulkheadRejectedError } from 'cockatiel';
import { PartnerCenterError } from '../errors/partner-center-error';
import { PipelinePolicy } from './pipeline';

/** Seconds a caller refused by a full bulkhead is asked to wait: slots free up as fast as calls end. */
const FULL_RETRY_AFTER_SECONDS = 1;

/** A full bulkhead's answer: the call was never sent. */
export class BulkheadFullError extends PartnerCenterError {
  constructor() {
    super(
      {
        kind: 'unavailable',
        source: 'partner-center',
        retryAfterSeconds: FULL_RETRY_AFTER_SECONDS,
        attempts: 0,
      },
      'too many Partner Center calls are in flight; the call was not sent',
    );
    this.name = 'BulkheadFullError';
  }
}

/**
 * At most `limit` logical Partner Center calls in flight (one attempt each at a time, so at most `limit`
 * connections busy), `queue` more waiting; beyond that a call is refused at once. A hung Partner Center then
 * holds `limit` calls until their deadline, not every request the gateway receives.
 */
export function bulkheadPolicy(limit: number, queue: number): PipelinePolicy {
  const slots = bulkhead(limit, queue);
  return {
    name: 'bulkhead',
    sendRequest(request, next) {
      return slots
        .execute(() => next(request))
        .catch((error: unknown) => {
          if (error instanceof BulkheadRejectedError) throw new BulkheadFullError();
          throw error;
        });
    },
  };
}
