import type { DestinationStream, Logger } from 'pino';
import { createLogScrubber } from './log-scrubber';
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

/** `secrets`: what the process holds and no log line may carry, in any form (see gateway-secrets.ts). */
export function createObservability(
  config: ObservabilityConfig,
  logDestination?: DestinationStream,
  env: Record<string, string | undefined> = process.env,
  secrets: readonly string[] = [],
): Observability {
  const logger = createLogger(config.logging, logDestination, createLogScrubber(secrets));
  return { config, logger, metrics: new Metrics(), tracing: startTracing(env, logger) };
}
