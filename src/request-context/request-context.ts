import { randomUUID } from 'node:crypto';
import { isGuid } from '../common/guid';
import { LANGUAGE_TAG } from '../common/language-tag';
import type { Caller } from './caller';

/**
 * What one inbound request carries through every layer: opened by the HTTP hook before anything else runs (it hangs
 * on the Fastify request), filled in by inbound authentication, handed by the adapters to the use case, and by the
 * client to the Partner Center pipeline, whose policies read it. It depends on nothing of the gateway, and
 * everything may depend on it.
 *
 * Passed by hand rather than through an AsyncLocalStorage: on Node 20 an AsyncLocalStorage makes every promise of
 * the process call a hook (the request context's and nestjs-pino's), which cost a GraphQL read ~20% of its
 * throughput (README, "Performance"). Node 22.7+ propagates it without those hooks, Node 20 does not.
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
  /**
   * The caller's X-Locale when it is a language tag, forwarded to Partner Center (which words its messages by it) in
   * place of PARTNER_CENTER_LOCALE, as a client calling Partner Center directly would have it.
   */
  locale?: string;
}

/** The caller's id when it is a GUID (Partner Center only accepts GUIDs), otherwise a new one. */
export function correlationIdFrom(...candidates: Array<string | string[] | undefined>): string {
  for (const candidate of candidates) {
    const value = firstValue(candidate);
    if (isGuid(value)) return value.toLowerCase();
  }
  return randomUUID();
}

/**
 * A language tag (`en-US`, `fr-FR`, `zh-Hans-CN`), the same shape PARTNER_CENTER_LOCALE accepts; anything else is not
 * forwarded (the configured locale is sent instead), as a malformed correlation id is replaced rather than refused: a
 * caller's locale only words messages, and a header value the gateway did not check never reaches Partner Center.
 */
export function localeFrom(header: string | string[] | undefined): string | undefined {
  const value = firstValue(header);
  return value !== undefined && value.length <= 35 && LANGUAGE_TAG.test(value) ? value : undefined;
}

export function firstValue(header: string | string[] | undefined): string | undefined {
  return (Array.isArray(header) ? header[0] : header)?.trim();
}
