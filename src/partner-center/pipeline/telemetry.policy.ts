import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Metrics } from '../../observability/metrics';
import type { TokenObserver } from '../credentials/token-cycler';
import { CallState, PipelinePolicy } from './pipeline';

const GUID_SEGMENT = /\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/|$)/gi;

export interface AttemptLog {
  debug(entry: Record<string, unknown>): void;
  /** Whether debug lines are written at all: when not, none is built. */
  debugEnabled?(): boolean;
}

/** What the policy remembers of a call between its attempts (the state object is shared by them). */
const calls = new WeakMap<CallState, { attempts: number; lastOutcome?: string }>();

/**
 * Observes each attempt (it runs inside the retry policy, right before signing): a client span whose W3C
 * `traceparent` goes to Partner Center, one debug line (method, path, status, duration, attempt, MS-RequestId; never
 * headers), the upstream histogram, the retry counter by the reason of the attempt before, and the request's
 * upstream attempts and time for its completion line. What nobody reads costs nothing: no span unless the request's
 * own span records (tracing on and sampled), no debug line built unless debug is on.
 */
export function telemetryPolicy(metrics: Metrics | undefined, log: AttemptLog): PipelinePolicy {
  const tracer = trace.getTracer('usage-budget-gateway');
  return {
    name: 'telemetry',
    async sendRequest(request, next) {
      const call = calls.get(request.state) ?? { attempts: 0 };
      calls.set(request.state, call);
      call.attempts += 1;
      const attempt = call.attempts;
      if (attempt > 1 && call.lastOutcome) metrics?.upstreamRetries.inc({ reason: call.lastOutcome });

      const { host, path } = hostAndPath(request.url);
      const operation = `${request.method} ${path.replace(GUID_SEGMENT, '/{id}')}`;
      const requestContext = request.context;
      const active = context.active();
      const inbound = trace.getSpan(active);
      const span = inbound?.isRecording()
        ? tracer.startSpan(operation, {
            kind: SpanKind.CLIENT,
            attributes: {
              'http.request.method': request.method,
              'server.address': host,
              'url.path': path,
              'http.request.resend_count': attempt - 1,
              'partner_center.request_id': request.requestId,
            },
          })
        : undefined;
      const spanContext = span ? trace.setSpan(active, span) : undefined;
      if (spanContext) propagation.inject(spanContext, request.headers);
      // Tracing on, this trace not sampled: still handed on, flagged unsampled (W3C Trace Context), so that Partner
      // Center's side of the call stays in the caller's trace.
      else if (inbound) propagation.inject(active, request.headers);
      else if (requestContext?.traceparent) request.headers['traceparent'] = requestContext.traceparent;

      const startedAt = process.hrtime.bigint();
      let outcome = 'error';
      try {
        const response = await (spanContext ? context.with(spanContext, () => next(request)) : next(request));
        outcome = String(response.status);
        span?.setAttribute('http.response.status_code', response.status);
        if (response.status >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      } catch (error) {
        outcome = errorCode(error);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        throw error;
      } finally {
        const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
        call.lastOutcome = outcome;
        span?.end();
        metrics?.upstreamDuration.observe(
          { operation, status: outcome, attempt: String(attempt) },
          durationMs / 1000,
        );
        if (requestContext?.upstream) {
          requestContext.upstream.attempts += 1;
          requestContext.upstream.durationMs =
            Math.round((requestContext.upstream.durationMs + durationMs) * 10) / 10;
        }
        if (log.debugEnabled?.() ?? true)
          log.debug({
            msg: 'Partner Center attempt',
            method: request.method,
            path,
            status: outcome,
            durationMs: Math.round(durationMs * 10) / 10,
            attempt,
            requestId: request.requestId,
            correlationId: requestContext?.correlationId,
          });
      }
    },
  };
}

/** The host and the path of an absolute URL the client built (no query), without parsing it as a URL on every attempt. */
function hostAndPath(url: string): { host: string; path: string } {
  const hostStart = url.indexOf('//') + 2;
  const pathStart = url.indexOf('/', hostStart);
  const authority = url.slice(hostStart, pathStart < 0 ? undefined : pathStart);
  const portAt = authority.lastIndexOf(':');
  return {
    host: portAt > authority.lastIndexOf(']') ? authority.slice(0, portAt) : authority,
    path: pathStart < 0 ? '/' : url.slice(pathStart),
  };
}

/** A low-cardinality name for a failed attempt: the transport's cause (ECONNRESET), a timeout, a token failure. */
function errorCode(error: unknown): string {
  const failure = error as {
    causeCode?: string;
    reason?: string;
    kind?: string;
    source?: string;
    name?: string;
  };
  if (failure?.source === 'entra-id') return `token-${failure.kind ?? 'error'}`;
  // Partner Center's 429 is an answer, not a failure: a rate-limited failure here is the fleet's request budget,
  // which found no room for the attempt before its timeout (nothing was sent).
  if (failure?.kind === 'rate-limited') return 'rate-budget';
  if (failure?.reason === 'aborted') return 'timeout';
  return failure?.causeCode ?? failure?.reason ?? failure?.name ?? 'error';
}

/**
 * Token acquisitions as metrics, as a span (a child of the attempt that needed the token) and, when one fails, a
 * warning with Entra ID's answer (kind, status, error code, the first line of its description; never the request):
 * a background renewal that fails while the held token still serves is seen by no caller, and the metric alone does
 * not say why (an expired secret, AADSTS7000222, is the one to act on before the held token runs out). The cycler's
 * backoff bounds how often it is written.
 */
export function tokenTelemetry(
  metrics: Metrics | undefined,
  warn: (entry: Record<string, unknown>) => void = () => undefined,
): TokenObserver {
  const tracer = trace.getTracer('usage-budget-gateway');
  return {
    async acquisition(acquire) {
      return tracer.startActiveSpan('Entra ID token', { kind: SpanKind.CLIENT }, async (span) => {
        try {
          const token = await acquire();
          metrics?.tokenAcquisitions.inc();
          return token;
        } catch (error) {
          metrics?.tokenAcquisitionFailures.inc();
          warn({ msg: 'Partner Center token request failed', ...tokenFailureFacts(error) });
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode(error) });
          throw error;
        } finally {
          span.end();
        }
      });
    },
    servedHeld() {
      metrics?.tokenCacheHits.inc();
    },
  };
}

/** What a failed token request may say in a log line: Entra ID's own facts, as the caller's answer carries them. */
function tokenFailureFacts(error: unknown): Record<string, unknown> {
  const failure = error as { kind?: unknown; status?: unknown; code?: unknown; description?: unknown };
  const facts: Record<string, unknown> = { source: 'entra-id', kind: failure?.kind ?? 'error' };
  if (failure?.status !== undefined) facts.status = failure.status;
  if (failure?.code !== undefined) facts.code = failure.code;
  if (failure?.description !== undefined) facts.description = failure.description;
  return facts;
}
