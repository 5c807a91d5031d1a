import { context, diag, DiagLogger, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { withoutEchoes } from '../common/secret-echoes';
import { decodedComponent } from '../common/uri-component';
// Types only: the SDK itself is required in startTracing(), when an endpoint is configured (see there).
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as Resources from '@opentelemetry/resources';
import type * as TraceBase from '@opentelemetry/sdk-trace-base';
import type * as TraceNode from '@opentelemetry/sdk-trace-node';
import type * as SemanticConventions from '@opentelemetry/semantic-conventions';

export const TRACER_NAME = 'usage-budget-gateway';

/** Whether spans are recorded and exported, and how to flush them at shutdown. */
export interface Tracing {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

const DISABLED: Tracing = { enabled: false, shutdown: async () => undefined };

/**
 * OpenTelemetry tracing, on only when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; `OTEL_SDK_DISABLED=true` turns it off). The SDK then reads the standard
 * variables itself (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER[_ARG]`,
 * `OTEL_EXPORTER_OTLP_HEADERS`...). Off, the SDK is not even loaded: the API's tracer is a no-op.
 */
export function startTracing(
  env: Record<string, string | undefined> = process.env,
  logger?: Logger,
): Tracing {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return DISABLED;

  // The SDK reports a failed export (a collector down or refusing), and an OTEL_* value it cannot use while it is
  // built below, only to its diagnostic logger, silent unless one is set: set first, so neither passes unseen.
  if (logger) diag.setLogger(diagnostics(logger, exporterCredentials(env)), DiagLogLevel.WARN);

  // Required here, not imported at the top: the SDK and the OTLP exporter (protobufjs, sdk-metrics via
  // otlp-transformer: ~250 modules) cost ~10 MB of RSS in every process, and most run without tracing.
  // Synchronous require() rather than import(): startTracing() runs before Nest, whose hooks need the answer.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
  const { defaultResource, detectResources, envDetector, resourceFromAttributes } =
    require('@opentelemetry/resources') as typeof Resources;
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof TraceBase;
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof TraceNode;
  const { ATTR_SERVICE_NAME } = require('@opentelemetry/semantic-conventions') as typeof SemanticConventions;
  /* eslint-enable @typescript-eslint/no-require-imports */

  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: TRACER_NAME }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Global tracer provider, AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  return {
    enabled: true,
    async shutdown() {
      // Flushes the spans still batched, within the exporter's timeout (OTEL_EXPORTER_OTLP_TIMEOUT). A collector that
      // cannot take them loses those spans, nothing more: the requests were answered, so the shutdown goes on (and the
      // process exits 0) with a warning rather than failing.
      await provider
        .shutdown()
        .catch((error: unknown) =>
          diag.warn(
            `spans not flushed at shutdown: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
      diag.disable();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/**
 * The SDK's warnings and errors as `warn` lines of the process logger (its messages pass the logger's scrubber), without
 * the exporter's credentials: a collector, or the proxy before it, that refuses them may quote them back in its reason
 * phrase or body, which the SDK puts in its error, and a Basic credential or an API key has no shape a scrubber knows.
 */
function diagnostics(logger: Logger, credentials: string[]): DiagLogger {
  const warn = (message: string, ...args: unknown[]) =>
    logger.warn(
      { context: 'OpenTelemetry' },
      withoutEchoes(
        [readable(message), ...args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg)))].join(
          ' ',
        ),
        credentials,
      ).slice(0, 1_000),
    );
  const ignore = () => undefined;
  return { error: warn, warn, info: ignore, debug: ignore, verbose: ignore };
}

/**
 * The values of the exporter's headers (OTEL_EXPORTER_OTLP_HEADERS and its traces variant, `key=value,…`,
 * URL-encoded), whole and without their scheme (`Basic …`, `Bearer …`): what a collector may quote back, and what no
 * log line may carry (log-scrubber.ts).
 */
export function exporterCredentials(env: Record<string, string | undefined>): string[] {
  const raw = [env.OTEL_EXPORTER_OTLP_HEADERS, env.OTEL_EXPORTER_OTLP_TRACES_HEADERS]
    .filter(Boolean)
    .join(',');
  return raw.split(',').flatMap((pair) => {
    const encoded = pair.slice(pair.indexOf('=') + 1).trim();
    const value = decodedComponent(encoded) ?? encoded;
    const credential = /^[A-Za-z][\w-]*\s+(\S.*)$/.exec(value)?.[1];
    return pair.includes('=') && value ? [value, ...(credential ? [credential] : [])] : [];
  });
}

/** A failed export arrives as a whole error serialised to JSON, stack included: its message and code are the news. */
function readable(message: string): string {
  try {
    const error = JSON.parse(message) as { message?: unknown; code?: unknown };
    if (typeof error.message === 'string')
      return error.code === undefined ? error.message : `${error.message} (${String(error.code)})`;
  } catch {
    // plain text
  }
  return message;
}
