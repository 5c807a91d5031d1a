import { AuthConfig, authFromEnv } from './auth/auth.config';
import { Env, integer, oneOf, read } from './config/env';
import { RateLimitConfig, rateLimitConfigFromEnv } from './hardening/rate-limit.config';
import { UpstreamConfig, upstreamFromEnv } from './partner-center/partner-center.config';
import { UsageBudgetConfig, usageBudgetConfigFromEnv } from './usage-budget/usage-budget.config';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The whole configuration, composed from each concern's own loader. */
export interface GatewayConfig {
  production: boolean;
  http: { host: string; port: number; bodyLimitBytes: number };
  logLevel: LogLevel;
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
  return {
    production: read(env, 'NODE_ENV') === 'production',
    http: {
      host: read(env, 'HOST') ?? '127.0.0.1',
      port: integer(env, 'PORT', 3000, 0, 65535),
      bodyLimitBytes: integer(env, 'HTTP_BODY_LIMIT_BYTES', 16 * 1024, 256, 1024 * 1024),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    usageBudget: usageBudgetConfigFromEnv(env),
    rateLimit: rateLimitConfigFromEnv(env),
    upstream,
    auth: authFromEnv(env, upstream.target === 'sandbox'),
  };
}
