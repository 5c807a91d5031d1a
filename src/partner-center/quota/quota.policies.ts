import { PartnerCenterError } from '../errors/partner-center-error';
import { requestedWaitSeconds, UNSTATED_THROTTLE_WAIT_SECONDS } from '../pipeline/backoff';
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '../pipeline/pipeline';
import type { QuotaShaper } from './quota-shaper';
import { RateBudgetExhaustedError } from './rate-budget-exhausted.error';

const CUSTOMER_IN_PATH = /\/v1\/customers\/([^/]+)\//;

function customerOf(request: PipelineRequest): string | undefined {
  return CUSTOMER_IN_PATH.exec(request.url)?.[1];
}

/**
 * Outside the retry policy: waits while the call's scope is paused by a 429 (within what the call may wait), then
 * holds one slot of the adaptive concurrency limit for the whole logical call. A pause longer than the call may
 * wait answers at once with RATE_LIMITED and the time left, without spending a request on a certain 429.
 */
export function quotaGatePolicy(
  quota: QuotaShaper,
  maxWaitMs: number,
  onWait: (ms: number) => void = () => undefined,
): PipelinePolicy {
  const waitForTurn = async (request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> => {
    const customerId = customerOf(request);
    const giveUpAt = Date.now() + maxWaitMs;
    // Bounded: each round waits out a pause; a call can meet only so many 429 pauses before its wait is spent.
    for (let round = 0; round < 100; round++) {
      const pause = quota.pauseFor(customerId);
      if (Date.now() + pause > giveUpAt) throw rateLimited(request.requestId, Math.ceil(pause / 1000));
      if (pause > 0) {
        onWait(pause);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
      const release = quota.tryAcquire() ?? (await quota.acquire());
      // A 429 may have paused the scope while this call waited for its slot: then it waits again.
      if (quota.pauseFor(customerId) > 0) {
        release();
        continue;
      }
      try {
        return await next(request);
      } finally {
        release();
      }
    }
    throw rateLimited(request.requestId, 1);
  };
  return {
    name: 'quotaGate',
    sendRequest(request, next) {
      // The usual case, without a promise of its own: no pause, a slot free at once.
      const release = quota.pauseFor(customerOf(request)) > 0 ? undefined : quota.tryAcquire();
      if (!release) return waitForTurn(request, next);
      let sent: Promise<PipelineResponse>;
      try {
        sent = next(request);
      } catch (error) {
        release();
        return Promise.reject(error);
      }
      return sent.then(
        (response) => {
          release();
          return response;
        },
        (error: unknown) => {
          release();
          throw error;
        },
      );
    },
  };
}

/**
 * Inside the retry policy: a retry whose scope was paused since its call passed the gate (another call's 429, the
 * partner's limit when several customers are throttled together) waits for the pause to end, as a new call would at
 * the gate, instead of being sent into a certain 429 at the end of its own backoff. A pause longer than the call may
 * wait, or past its deadline, answers RATE_LIMITED at once, without a request.
 */
export function quotaPausePolicy(quota: QuotaShaper, maxWaitMs: number): PipelinePolicy {
  return {
    name: 'quotaPause',
    sendRequest(request, next) {
      // The usual case, with no pause anywhere: neither the customer looked up nor a promise of its own.
      if (!quota.anyPaused()) return next(request);
      const pauseMs = quota.pauseFor(customerOf(request));
      return pauseMs > 0 ? afterPause(request, next, pauseMs) : next(request);
    },
  };

  async function afterPause(request: PipelineRequest, next: SendRequest, pauseMs: number) {
    const deadlineAt = request.deadlineAt ?? Infinity;
    if (pauseMs > maxWaitMs || Date.now() + pauseMs >= deadlineAt) {
      request.state.unansweredAttempt = false;
      throw rateLimited(request.requestId, Math.ceil(pauseMs / 1000));
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    // The attempt's timeout still ends by the call's deadline, which the wait brought nearer.
    const timeoutMs = Math.max(1, Math.min(request.timeoutMs ?? Infinity, deadlineAt - Date.now()));
    return next({ ...request, timeoutMs: Number.isFinite(timeoutMs) ? timeoutMs : undefined });
  }
}

/**
 * Innermost, right before the request is sent (after its token): each attempt, retries too, takes one request of the
 * fleet's budget (PARTNER_CENTER_MAX_REQUESTS_PER_SECOND), waiting for room within what is left of the attempt. Taken
 * any earlier (before the concurrency slot, a token request, the retries), requests admitted in one second reached
 * Partner Center in the next with that second's own. An attempt that finds no room in time is not sent: the caller
 * gets RATE_LIMITED, and a PATCH is known not applied.
 */
export function rateBudgetPolicy(quota: QuotaShaper): PipelinePolicy {
  return {
    name: 'rateBudget',
    sendRequest(request, next) {
      // Without a budget, no promise of its own on every attempt.
      return quota.hasRateBudget ? withinBudget(request, next) : next(request);
    },
  };

  async function withinBudget(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
    const startedAt = Date.now();
    const ticket = await quota.takeRateBudget(request.timeoutMs ?? 0);
    if (!ticket) {
      request.state.unansweredAttempt = false;
      throw new RateBudgetExhaustedError(request.requestId);
    }
    const waitedMs = Date.now() - startedAt;
    const timeoutMs = request.timeoutMs === undefined ? undefined : Math.max(1, request.timeoutMs - waitedMs);
    return next({ ...request, timeoutMs, onSent: ticket.sent });
  }
}

/** A pause in force after Partner Center's own 429: answered from memory, as that 429 would be again. */
function rateLimited(requestId: string, retryAfterSeconds: number): PartnerCenterError {
  return new PartnerCenterError({
    kind: 'rate-limited',
    source: 'partner-center',
    status: 429,
    retryAfterSeconds: Math.max(1, retryAfterSeconds),
    requestId,
    attempts: 0,
  });
}

/** Inside the retry policy: every attempt's answer teaches the shaper (a 429 pauses its scope; others grow the limit). */
export function quotaFeedbackPolicy(quota: QuotaShaper): PipelinePolicy {
  return {
    name: 'quotaFeedback',
    sendRequest(request, next) {
      return next(request).then((response) => {
        if (response.status === 429) {
          quota.throttled(
            customerOf(request),
            (requestedWaitSeconds(response) ?? UNSTATED_THROTTLE_WAIT_SECONDS) * 1000,
          );
        } else {
          quota.succeeded();
        }
        return response;
      });
    },
  };
}
