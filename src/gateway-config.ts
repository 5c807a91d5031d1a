import { AuthConfig, authFromEnv } from './auth/auth.config';
import { Env, integer, oneOf, read } from './config/env';
import { RateLimitConfig, rateLimitConfigFromEnv } from './hardening/rate-limit.config';
import { UpstreamConfig, upstreamFromEnv } from './partner-center/partner-center.config';
import { UsageBudgetConfig, usageBudgetConfigFromEnv } from './usage-budget/usage-budget.config';

import type { LogFormat, LogLevel } from './observability/logger';
import type { ObservabilityConfig } from './observability/observability';

export type { LogLevel } from './observability/logger';

/** SIGTERM handling (main.ts). */
export interface ShutdownConfig {
  /** How long readiness fails and new requests get 503 before the server stops accepting connections. */
  drainDelayMs: number;
  /** How long in-flight requests may take to finish after that; then the process exits anyway (code 1). */
  timeoutMs: number;
}

/** The whole configuration, composed from each concern's own loader. */
export interface GatewayConfig {
  production: boolean;
  http: { host: string; port: number; bodyLimitBytes: number };
  logLevel: LogLevel;
  observability: ObservabilityConfig;
  shutdown: ShutdownConfig;
  usageBudget: UsageBudgetConfig;
  rateLimit: RateLimitConfig;
  /** Partner Center itself, or the sandbox (PARTNER_CENTER=sandbox). */
  upstream: UpstreamConfig;
  /** Inbound authentication (`src/auth/`). */
  auth: AuthConfig;
}

/**
 * Reads and validates the whole environment once, at start-up. Every problem throws a ConfigError
 * naming the variable, so a misconfigured gateway never starts half-working.
 */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const upstream = upstreamFromEnv(env);
  const production = read(env, 'NODE_ENV') === 'production';
  const logLevel = oneOf<LogLevel>(
    env,
    'LOG_LEVEL',
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    'info',
  );
  const metricsPort =
    read(env, 'METRICS_PORT') === undefined ? undefined : integer(env, 'METRICS_PORT', 0, 0, 65535);
  return {
    production,
    http: {
      host: read(env, 'HOST') ?? '127.0.0.1',
      port: integer(env, 'PORT', 3000, 0, 65535),
      bodyLimitBytes: integer(env, 'HTTP_BODY_LIMIT_BYTES', 16 * 1024, 256, 1024 * 1024),
    },
    logLevel,
    observability: {
      logging: { level: logLevel, format: oneOf<LogFormat>(env, 'LOG_FORMAT', ['json', 'pretty'], 'json') },
      metricsPort,
    },
    shutdown: {
      // Production sits behind a load balancer that needs a few seconds to see readiness fail.
      drainDelayMs: integer(env, 'SHUTDOWN_DRAIN_DELAY_MS', production ? 5_000 : 0, 0, 120_000),
      timeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 0, 600_000),
    },
    usageBudget: usageBudgetConfigFromEnv(env),
    rateLimit: rateLimitConfigFromEnv(env),
    upstream,
    auth: authFromEnv(env, upstream.target === 'sandbox'),
  };
}
