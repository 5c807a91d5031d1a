import { AuthConfig, authFromEnv } from './auth/auth.config';
import { ConfigError, Env, integer, oneOf, read } from './config/env';
import { RateLimitConfig, rateLimitConfigFromEnv } from './hardening/rate-limit.config';
import { UpstreamConfig, upstreamFromEnv } from './partner-center/partner-center.config';
import { SharedStateConfig, sharedStateConfigFromEnv } from './shared-state/shared-state.config';
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
  http: { host: string; port: number; bodyLimitBytes: number; trustProxy: boolean | number | string };
  logLevel: LogLevel;
  observability: ObservabilityConfig;
  shutdown: ShutdownConfig;
  usageBudget: UsageBudgetConfig;
  rateLimit: RateLimitConfig;
  /** Partner Center itself, or the sandbox (PARTNER_CENTER=sandbox). */
  upstream: UpstreamConfig;
  /** Inbound authentication (`src/auth/`). */
  auth: AuthConfig;
  /** Redis for a fleet, or memory (`src/shared-state/`). */
  sharedState: SharedStateConfig;
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
      trustProxy: trustProxyFromEnv(env),
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
    sharedState: sharedStateConfigFromEnv(env),
  };
}

/**
 * TRUST_PROXY: whose X-Forwarded-For to believe for the caller's address (the rate limit of anonymous callers):
 * `false` (default, the socket's address), `true` (any proxy), a number of hops, or addresses / CIDRs, comma-separated.
 */
function trustProxyFromEnv(env: Env): boolean | number | string {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined || raw.toLowerCase() === 'false') return false;
  if (raw.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(raw)) return integer(env, 'TRUST_PROXY', 0, 0, 100);
  if (!/^[0-9a-fA-F:.,/ ]+$/.test(raw)) {
    throw new ConfigError(
      'TRUST_PROXY',
      `must be true, false, a number of hops or addresses/CIDRs, got "${raw}"`,
    );
  }
  return raw;
}
