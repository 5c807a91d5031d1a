import {
  context,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { RequestContext } from '../request-context/request-context';
import type { Metrics } from './metrics';
import { urlForLog } from '../common/secret-text';
import { tracer, Tracing } from './tracing';

/** Probes and scrapes: neither logged nor measured per request (they come every few seconds). */
export const OPERATIONAL_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

interface Telemetry {
  startedAt: bigint;
  context?: RequestContext;
  span?: Span;
}

declare module 'fastify' {
  interface FastifyRequest {
    telemetry: Telemetry | null;
  }
}

export interface InboundTelemetryDeps {
  logger: Logger;
  metrics: Metrics;
  tracing: Tracing;
}

/**
 * Per inbound request: a server span continuing the caller's W3C `traceparent`, and at the end one completion
 * log line and one histogram observation with the operation, caller, outcome code, status, duration and upstream
 * attempts. Registered right after the request-context hook, whose context it reads and completes.
 */
export function registerInboundTelemetry(fastify: FastifyInstance, deps: InboundTelemetryDeps): void {
  fastify.decorateRequest('telemetry', null);

  fastify.addHook('onRequest', (request, _reply, done) => {
    const requestContext = request.requestContext ?? undefined;
    const telemetry: Telemetry = { startedAt: process.hrtime.bigint(), context: requestContext };
    request.telemetry = telemetry;
    if (requestContext) requestContext.upstream = { attempts: 0, durationMs: 0 };
    if (!deps.tracing.enabled) {
      // Not tracing: hand the caller's trace on unchanged rather than breaking it; but only a traceparent, never
      // whatever text a caller put in that header (W3C Trace Context: an unparsable one is not propagated).
      const incoming = request.headers.traceparent;
      if (requestContext && typeof incoming === 'string' && isTraceparent(incoming))
        requestContext.traceparent = incoming;
      return done();
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    telemetry.span = tracer().startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': urlForLog(request.url.split('?')[0]),
        },
      },
      parent,
    );
    context.with(trace.setSpan(parent, telemetry.span), done);
  });

  // The outcome code is in what the caller gets: a GraphQL error's extensions.code, or a problem's code.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const requestContext = request.telemetry?.context;
    if (requestContext && requestContext.outcome === undefined)
      requestContext.outcome = outcomeFrom(reply, payload);
    done(null, payload);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    complete(request, reply, deps, false);
    done();
  });

  fastify.addHook('onRequestAbort', (request, done) => {
    complete(request, undefined, deps, true);
    done();
  });
}

function complete(
  request: FastifyRequest,
  reply: FastifyReply | undefined,
  deps: InboundTelemetryDeps,
  aborted: boolean,
): void {
  const telemetry = request.telemetry;
  if (!telemetry) return;
  request.telemetry = null; // once, whichever of response and abort comes first
  const route = request.routeOptions?.url;
  const durationMs = Number(process.hrtime.bigint() - telemetry.startedAt) / 1e6;
  const requestContext = telemetry.context;
  const status = aborted ? undefined : reply?.statusCode;
  const operation = requestContext?.operation ?? operationFromRoute(request.method, route);
  const outcome = aborted ? 'CLIENT_ABORTED' : (requestContext?.outcome ?? 'OK');

  telemetry.span?.updateName(operation);
  telemetry.span?.setAttributes({
    ...(route ? { 'http.route': route } : {}),
    ...(status ? { 'http.response.status_code': status } : {}),
    'gateway.outcome': outcome,
  });
  if (status !== undefined && status >= 500)
    telemetry.span?.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
  telemetry.span?.end();

  if (route && OPERATIONAL_ROUTES.has(route)) return;
  deps.metrics.requestDuration.observe({ operation, outcome }, durationMs / 1000);
  const caller = requestContext?.caller;
  const line = {
    correlationId: requestContext?.correlationId,
    req: { id: request.id, method: request.method, url: urlForLog(request.url) },
    operation,
    ...(requestContext?.graphqlOperationName
      ? { graphqlOperationName: requestContext.graphqlOperationName }
      : {}),
    caller: caller
      ? { subject: caller.subject, appId: caller.appId, userId: caller.userId, anonymous: caller.anonymous }
      : undefined,
    outcome,
    status,
    durationMs: Math.round(durationMs * 10) / 10,
    upstream: requestContext?.upstream,
    ...(telemetry.span ? { traceId: telemetry.span.spanContext().traceId } : {}),
  };
  // A client that went away is its own business: debug, not an error of the gateway.
  if (aborted) deps.logger.debug(line, 'request aborted by the client');
  else if (status !== undefined && status >= 500) deps.logger.warn(line, 'request completed');
  else deps.logger.info(line, 'request completed');
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** A W3C `traceparent` (version, trace id, parent id, flags; version ff and all-zero ids are invalid). */
function isTraceparent(value: string): boolean {
  const parts = TRACEPARENT.exec(value);
  return parts !== null && parts[1] !== 'ff' && !/^0+$/.test(parts[2]) && !/^0+$/.test(parts[3]);
}

function operationFromRoute(method: string, route: string | undefined): string {
  if (route === '/graphql') return 'graphql';
  return route ? `${method} ${route}` : `${method} (no route)`;
}

/** OK, or the stable code of an error answer (GraphQL `errors[0].extensions.code`, problem+json `code`). */
function outcomeFrom(reply: FastifyReply, payload: unknown): string {
  const text =
    typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
  const failed = reply.statusCode >= 400;
  if (text && (failed || text.includes('"errors"'))) {
    try {
      const body = JSON.parse(text) as {
        code?: unknown;
        errors?: Array<{ extensions?: { code?: unknown } }>;
      };
      const code = body.errors?.[0]?.extensions?.code ?? body.code;
      if (typeof code === 'string') return code;
    } catch {
      // not JSON: fall back on the status
    }
  }
  return failed ? `HTTP_${reply.statusCode}` : 'OK';
}
