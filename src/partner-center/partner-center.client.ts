import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { Caller } from '../request-context/caller';
import type { RequestContext } from '../request-context/request-context';
import { failureFromResponse, waitAskedBy } from './errors/failure-from-response';
import { PartnerCenterError } from './errors/partner-center-error';
import { TransportError } from '../common/http/https-exchange';
import { PARTNER_CENTER_OPTIONS, PartnerCenterOptions } from './partner-center.options';
import { PipelineRequest, PipelineResponse, SendRequest } from './pipeline/pipeline';
import { DeadlineExceededError } from './pipeline/retry.policy';
import { DEFAULT_MAX_PAUSE_MS } from './quota/quota-shaper';
import { parseSpendingBudget, PartnerCenterSpendingBudget } from './spending-budget';
import { isGuid } from '../common/guid';

export const PARTNER_CENTER_PIPELINE = Symbol('PARTNER_CENTER_PIPELINE');

/** Typed access to Partner Center's customer usage-budget operations. Every failure is a PartnerCenterError. */
@Injectable()
export class PartnerCenterClient {
  private readonly logger = new Logger('PartnerCenterClient');

  constructor(
    @Inject(PARTNER_CENTER_PIPELINE) private readonly send: SendRequest,
    @Inject(PARTNER_CENTER_OPTIONS) private readonly options: PartnerCenterOptions,
  ) {}

  /**
   * Whose view of Partner Center a call gets: the partner app's in app mode; in app+user mode the on-behalf-of
   * exchange of the caller's very token, which Entra ID may refuse for one of a user's tokens (no MFA, a conditional
   * access policy) and grant for another: answers are shared neither across users nor across a user's tokens. A key
   * for coalescing and caching, never a secret (a hash, as the on-behalf-of cache keys the assertion).
   */
  identityScope(caller: Caller | undefined): string {
    if (this.options.authMode !== 'app+user') return 'app';
    if (!caller) return 'user:none';
    return `user:${createHash('sha256')
      .update(caller.token ?? `${caller.issuer ?? ''}\n${caller.subject}`)
      .digest('base64url')}`;
  }

  /** The longest pause the throttle gate takes for one 429: the longest wait a caller is asked for, too. */
  private get maxThrottleWaitSeconds(): number {
    return Math.ceil((this.options.quota.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS) / 1000);
  }

  /** The longest a read may take, waits and retries included (PARTNER_CENTER_DEADLINE_MS). */
  get readDeadlineMs(): number {
    return this.options.retry.deadlineMs;
  }

  /** The logical calls admitted at once (PARTNER_CENTER_MAX_CONCURRENT_CALLS); more wait in the bulkhead's queue. */
  get maxConcurrentCalls(): number {
    return this.options.resilience.maxConcurrentCalls;
  }

  /**
   * GET /v1/customers/{customer-tenant-id}/usagebudget. `requestId` is the call's MS-RequestId (a new one when
   * not given): the same value on every retry. `context`: the inbound request served (correlation id, caller).
   */
  getUsageBudget(
    customerId: string,
    requestId?: string,
    context?: RequestContext,
  ): Promise<PartnerCenterSpendingBudget> {
    return this.call('GET', customerId, requestId, undefined, context);
  }

  /**
   * PATCH /v1/customers/{customer-tenant-id}/usagebudget, in the body shape Partner Center documents. Its deadline
   * leaves room for confirmUsageBudget within PARTNER_CENTER_DEADLINE_MS: a write and the read that settles an unknown
   * outcome answer within one deadline, not two.
   *
   * `earlierCallMayHaveApplied`: an earlier call under the same MS-RequestId (the caller's retry of its change) may
   * have applied it, or may still be under way. Then no answer to this call says the change was not made (a 409
   * "being processed", a 429, an open circuit speak for this call only), exactly as after an attempt of this call
   * that got no answer: the outcome is unknown unless Partner Center answers with the change.
   */
  updateUsageBudget(
    customerId: string,
    amount: number,
    requestId?: string,
    context?: RequestContext,
    earlierCallMayHaveApplied = false,
  ): Promise<PartnerCenterSpendingBudget> {
    return this.call(
      'PATCH',
      customerId,
      requestId,
      JSON.stringify({ Amount: amount, Attributes: { ObjectType: 'SpendingBudget' } }),
      context,
      this.options.retry.deadlineMs - this.confirmingReadMs(),
      earlierCallMayHaveApplied,
    );
  }

  /** The read that settles a write whose outcome is unknown: within what updateUsageBudget left of the deadline. */
  confirmUsageBudget(customerId: string, context?: RequestContext): Promise<PartnerCenterSpendingBudget> {
    return this.call('GET', customerId, undefined, undefined, context, this.confirmingReadMs());
  }

  /** A fifth of the deadline, at most 3 s: a short read (one attempt, or a quick retry), never half the budget. */
  private confirmingReadMs(): number {
    return Math.min(3_000, Math.floor(this.options.retry.deadlineMs / 5));
  }

  private async call(
    method: PipelineRequest['method'],
    customerId: string,
    requestId: string = randomUUID(),
    body?: string,
    context?: RequestContext,
    deadlineMs?: number,
    maybeApplied = false,
  ): Promise<PartnerCenterSpendingBudget> {
    const isWrite = method === 'PATCH';
    // The inbound side validates too; this guard keeps anything but a GUID out of the upstream path.
    if (!isGuid(customerId)) throw new TypeError('customerId must be a GUID');
    if (!isGuid(requestId)) throw new TypeError('MS-RequestId must be a GUID');
    const request: PipelineRequest = {
      method,
      url: `${this.options.baseUrl}/v1/customers/${customerId.toLowerCase()}/usagebudget`,
      requestId,
      headers: {},
      body,
      state: maybeApplied ? { maybeApplied } : {},
      context,
      ...(deadlineMs !== undefined && { deadlineMs }),
    };
    let response;
    try {
      response = await this.send(request);
    } catch (error) {
      throw outcomeUnknown(request, error, this.maxThrottleWaitSeconds) ?? noAnswer(error, requestId);
    }
    if (response.status < 200 || response.status > 299) {
      throw (
        outcomeUnknown(request, response, this.maxThrottleWaitSeconds) ??
        failureFromResponse(response, requestId, this.maxThrottleWaitSeconds)
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      parsed = undefined;
    }
    try {
      return parseSpendingBudget(parsed, requestId, {
        status: response.status,
        amountRequired: isWrite,
      });
    } catch (error) {
      if (!isWrite) throw error;
      // A 2xx to a PATCH that is no SpendingBudget (a 204, an empty body, a proxy's HTML page served with 200) says
      // neither that the change was made nor that it was not: reporting a failure invites a retry, reporting success
      // could hide a change never made. The outcome is unknown; the service settles it with a read.
      this.logger.warn(
        `Partner Center answered the change with ${response.status} and a body that is not a SpendingBudget ` +
          `(MS-RequestId ${requestId}): its outcome is unknown`,
      );
      throw new PartnerCenterError({
        kind: 'outcome-unknown',
        source: 'partner-center',
        status: response.status,
        requestId,
        attempts: response.attempts ?? 1,
      });
    }
  }
}

/**
 * A PATCH that ends without a definite answer after an attempt that may have reached Partner Center: the change may
 * have been applied, and saying "unavailable" would invite a retry that doubles it for a caller without an
 * idempotency key. Whatever the last attempt was answered (a 5xx, a 429, or a 4xx such as the 409 an idempotency
 * layer gives a key whose first request is still under way) speaks for that attempt only, never for the earlier one
 * that got no answer. Without such an earlier attempt, Partner Center's answer is the answer. A wait that last answer
 * asked for (a 429's or 503's Retry-After, an open circuit's) is the caller's too, before its retry under the key.
 */
function outcomeUnknown(
  request: PipelineRequest,
  last: unknown,
  maxWaitSeconds: number,
): PartnerCenterError | undefined {
  if (request.method !== 'PATCH' || !request.state.maybeApplied) return undefined;
  const status =
    typeof last === 'object' && last !== null && 'status' in last
      ? (last as { status?: number }).status
      : undefined;
  const attempts = (last as { attempts?: number }).attempts ?? 1;
  const retryAfterSeconds =
    last instanceof PartnerCenterError
      ? last.retryAfterSeconds
      : isResponse(last)
        ? waitAskedBy(last, maxWaitSeconds)
        : undefined;
  return new PartnerCenterError({
    kind: 'outcome-unknown',
    source: 'partner-center',
    status,
    retryAfterSeconds,
    requestId: request.requestId,
    attempts,
  });
}

function isResponse(value: unknown): value is PipelineResponse {
  return typeof value === 'object' && value !== null && 'status' in value && 'headers' in value;
}

function noAnswer(error: unknown, requestId: string | undefined): Error {
  if (error instanceof PartnerCenterError) return error;
  if (error instanceof DeadlineExceededError) {
    return new PartnerCenterError({
      kind: 'timeout',
      source: 'partner-center',
      status: error.lastStatus,
      requestId,
      attempts: error.attempts,
    });
  }
  if (error instanceof TransportError) {
    return new PartnerCenterError({
      kind: error.reason === 'aborted' ? 'timeout' : 'unavailable',
      source: 'partner-center',
      code: error.causeCode,
      requestId,
      attempts: error.attempts,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
