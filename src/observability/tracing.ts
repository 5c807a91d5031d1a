import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

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
 * `OTEL_EXPORTER_OTLP_HEADERS`...). Off, no SDK is loaded into the request path: the API's tracer is a no-op.
 */
export function startTracing(env: Record<string, string | undefined> = process.env): Tracing {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return DISABLED;

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
      await provider.shutdown(); // flushes the spans still batched
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}
