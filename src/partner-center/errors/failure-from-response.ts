import { requestedWaitSeconds, UNSTATED_THROTTLE_WAIT_SECONDS } from '../pipeline/backoff';
import { PipelineResponse } from '../pipeline/pipeline';
import { parseErrorBody } from './error-body.parser';
import { FailureKind, PartnerCenterError } from './partner-center-error';

/**
 * What Partner Center says of the request the caller made, which the gateway validated and passed on as asked: a
 * value or a customer Partner Center does not take (400), a change that conflicts with the budget's state (409, 412).
 * The caller's to change, not to retry. Other 4xx (405, 406, 415…) say the gateway asked wrongly.
 */
const CALLER_REFUSALS = new Set([400, 409, 412]);

function kindOf(status: number): FailureKind {
  if (CALLER_REFUSALS.has(status)) return 'refused';
  if (status === 404) return 'not-found';
  if (status === 403) return 'forbidden';
  if (status === 401) return 'unauthenticated';
  if (status === 429) return 'rate-limited';
  if (status === 408 || status === 500 || status === 502 || status === 503 || status === 504)
    return 'unavailable';
  return 'rejected';
}

/**
 * The error for a final non-2xx answer from Partner Center, with its own status, code and description. The wait it
 * asks the caller for is bounded by `maxWaitSeconds`, the longest the gateway's own throttle gate pauses for one 429:
 * the gateway tries again by then, so its callers may too.
 */
export function failureFromResponse(
  response: PipelineResponse,
  requestId: string | undefined,
  maxWaitSeconds = Infinity,
): PartnerCenterError {
  const body = parseErrorBody(response.body);
  return new PartnerCenterError({
    kind: kindOf(response.status),
    source: 'partner-center',
    status: response.status,
    code: body.code,
    description: body.description,
    retryAfterSeconds: waitAskedBy(response, maxWaitSeconds),
    requestId,
    attempts: response.attempts ?? 1,
  });
}

/**
 * The wait, in seconds, a final answer asks the caller for: a 429's (or a 503's: when the gateway could not wait it
 * out, the caller should), bounded by `maxWaitSeconds`. A write whose outcome is unknown after such an answer passes
 * it on too: its retry under the key would only meet the same answer sooner.
 */
export function waitAskedBy(response: PipelineResponse, maxWaitSeconds = Infinity): number | undefined {
  const kind = kindOf(response.status);
  // A 429 says when to come back, and never "at once" (Retry-After: 0, or a date already past): the gateway has
  // spent its own attempts by now, and Partner Center's guidance is never to retry a throttled call at once.
  const asked =
    kind === 'rate-limited'
      ? Math.max(UNSTATED_THROTTLE_WAIT_SECONDS, requestedWaitSeconds(response) ?? 0)
      : kind === 'unavailable'
        ? requestedWaitSeconds(response)
        : undefined;
  return asked === undefined ? undefined : Math.min(asked, maxWaitSeconds);
}
