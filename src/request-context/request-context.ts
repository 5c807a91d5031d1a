import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { isGuid } from '../common/guid';
import type { Caller } from './caller';

/**
 * What one inbound request carries through every layer, without being passed by hand: opened by the HTTP hook
 * before anything else runs, filled in by inbound authentication, read by the use case, the Partner Center module
 * and every log line. It depends on nothing of the gateway, and everything may depend on it.
 */
export interface RequestContext {
  /** Groups one logical operation across the gateway's and Partner Center's logs (MS-CorrelationId). */
  correlationId: string;
  /** Set by inbound authentication. */
  caller?: Caller;
  /** What was called, for the completion log line and metrics: `query customerUsageBudget`, `GET /v1/...`. */
  operation?: string;
  /** The client-chosen GraphQL operation name (logged, never a metric label: callers choose it freely). */
  graphqlOperationName?: string;
  /** The stable error code the caller got, or `OK`. */
  outcome?: string;
  /** Partner Center attempts made for this request and their summed duration. */
  upstream?: { attempts: number; durationMs: number };
  /** An inbound W3C traceparent, forwarded as-is to Partner Center when the gateway does not trace itself. */
  traceparent?: string;
  /** The inbound request line, for every log line written while it is served. */
  request?: { method: string; url: string };
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The caller's id when it is a GUID (Partner Center only accepts GUIDs), otherwise a new one. */
export function correlationIdFrom(...candidates: Array<string | string[] | undefined>): string {
  for (const candidate of candidates) {
    const value = firstValue(candidate);
    if (isGuid(value)) return value.toLowerCase();
  }
  return randomUUID();
}

export function firstValue(header: string | string[] | undefined): string | undefined {
  return (Array.isArray(header) ? header[0] : header)?.trim();
}

export function runInRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/** The caller of the current request, once inbound authentication has run. */
export function currentCaller(): Caller | undefined {
  return storage.getStore()?.caller;
}

/** Records the authenticated caller in the request's context. */
export function setCurrentCaller(caller: Caller): void {
  const context = storage.getStore();
  if (context) context.caller = caller;
}
