import type { DestinationStream, Logger } from 'pino';
import { createLogger, LoggingConfig } from './logger';
import { Metrics } from './metrics';
import { startTracing, Tracing } from './tracing';

export interface ObservabilityConfig {
  logging: LoggingConfig;
  /** `/metrics` on this port alone instead of the main one. */
  metricsPort?: number;
}

/** The process-wide logger, metrics registry and tracing, made before Nest so the HTTP hooks can use them. */
export interface Observability {
  config: ObservabilityConfig;
  logger: Logger;
  metrics: Metrics;
  tracing: Tracing;
}

export function createObservability(
  config: ObservabilityConfig,
  logDestination?: DestinationStream,
  env: Record<string, string | undefined> = process.env,
): Observability {
  const logger = createLogger(config.logging, logDestination);
  return { config, logger, metrics: new Metrics(), tracing: startTracing(env, logger) };
}
