import type { RequestContext } from '../../request-context/request-context';

/** What the policies of one logical call share across its attempts (each attempt gets its own copy of the headers). */
export interface CallState {
  /** How often Partner Center answered 401 to the token sent: after the first, the next attempt gets a fresh one. */
  tokenRejections?: number;
  /** The fresh token after the first 401 was asked for (once per call: later attempts use the cache again). */
  tokenRefreshed?: boolean;
  /**
   * An attempt is under way that has no answer yet (set and cleared by the retry policy; cleared too by a policy that
   * refuses the attempt before it is sent).
   */
  unansweredAttempt?: boolean;
  /**
   * Some attempt got no answer after it may have reached Partner Center (reset, timeout, deadline), or an answer that
   * does not say the change was not applied (500, 502, 503, 504): for a PATCH, the change may have been applied even
   * though no answer says so.
   */
  maybeApplied?: boolean;
}

/** One HTTP exchange as the policies see it. Headers are set with their canonical Partner Center names. */
export interface PipelineRequest {
  method: 'GET' | 'PATCH';
  url: string;
  /** MS-RequestId of the logical call, Partner Center's idempotency key: the same on every attempt. */
  requestId: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * Ends the attempt when no answer has arrived by then: the attempt's own timeout, or what is left of the call's
   * deadline when that is sooner. The transport enforces it with its own timer (as Azure's core-rest-pipeline's
   * `timeout`), so the deadline needs no abort signal reaching every attempt.
   */
  timeoutMs?: number;
  /** Told when the request goes out on a connection (after waiting for one): the fleet's request budget. */
  onSent?: () => void;
  /** This call's deadline when it must be shorter than the configured one (a write's confirming read). */
  deadlineMs?: number;
  /** When the call's deadline passes (epoch ms), set by the retry policy on each attempt. */
  deadlineAt?: number;
  state: CallState;
  /** The inbound request this call serves, when there is one: its correlation id, caller and upstream counters. */
  context?: RequestContext;
}

export interface PipelineResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
  /** Attempts made for this logical call, set by the retry policy. */
  attempts?: number;
}

export type SendRequest = (request: PipelineRequest) => Promise<PipelineResponse>;

/** A small named step around the rest of the pipeline, in the manner of Azure's core-rest-pipeline. */
export interface PipelinePolicy {
  readonly name: string;
  sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse>;
}

/** Policies run in the order given, the first outermost; the transport is the innermost step. */
export function createPipeline(policies: PipelinePolicy[], transport: SendRequest): SendRequest {
  return policies.reduceRight<SendRequest>(
    (next, policy) => (request) => policy.sendRequest(request, next),
    transport,
  );
}
