import { caseInsensitiveField } from '../case-insensitive-field';
import { parseRetryAfter, retryAfterFromMessage } from '../errors/retry-after';
import { PipelineResponse } from './pipeline';

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the step is fixed so a retry never comes at once, the other
 * half is random so many callers throttled together do not come back together.
 */
export function exponentialDelay(
  attempt: number,
  { baseDelayMs, maxDelayMs }: BackoffOptions,
  random = Math.random,
): number {
  const step = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Seconds the gateway itself waits after a 429 that names no wait (no Retry-After, no "Try again in N seconds"): the
 * pause it puts on that customer, and what its own 429 tells the caller (a 429 always says when to come back; the
 * .NET SDK throws on one without Retry-After).
 */
export const UNSTATED_THROTTLE_WAIT_SECONDS = 1;

/** Seconds the server asked for: the Retry-After header, else the "Try again in N seconds" of a 429 body. */
export function requestedWaitSeconds(response: PipelineResponse, now = Date.now()): number | undefined {
  const header = parseRetryAfter(response.headers['retry-after'], now);
  if (header !== undefined) return header;
  if (response.status !== 429) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return undefined;
  }
  // Read loosely, as every Partner Center body: `Message` is the same member as `message`.
  const message =
    body && typeof body === 'object'
      ? caseInsensitiveField(body as Record<string, unknown>, 'message')
      : undefined;
  return typeof message === 'string' ? retryAfterFromMessage(message) : undefined;
}
