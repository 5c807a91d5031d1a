import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { AuthConfig, authFromEnv } from './auth/auth.config';
import { ConfigError, decimal, Env, integer, oneOf, quotedUrl, read } from './config/env';
import { CorsConfig, corsConfigFromEnv } from './hardening/cors.config';
import { RateLimitConfig, rateLimitConfigFromEnv } from './hardening/rate-limit.config';
import { UpstreamConfig, upstreamFromEnv } from './partner-center/partner-center.config';
import { SharedStateConfig, sharedStateConfigFromEnv } from './shared-state/shared-state.config';
import {
  batchRequestBytes,
  UsageBudgetConfig,
  usageBudgetConfigFromEnv,
} from './usage-budget/usage-budget.config';

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
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    /** The whole request, headers and body, must have arrived within this (HTTP_REQUEST_TIMEOUT_MS; 408). */
    requestTimeoutMs: number;
    trustProxy: boolean | string;
  };
  /** Browser pages on other origins allowed to call the API (`src/hardening/cors.hook.ts`); none by default. */
  cors: CorsConfig;
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
  const http = {
    host: read(env, 'HOST') ?? '127.0.0.1',
    port: integer(env, 'PORT', 3000, 0, 65535),
    bodyLimitBytes: integer(env, 'HTTP_BODY_LIMIT_BYTES', 32 * 1024, 256, 1024 * 1024),
    // Never 0 (none): a client sending a body slowly, or never, would hold its connection forever.
    requestTimeoutMs: integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 10_000, 100, 300_000),
    trustProxy: trustProxyFromEnv(env),
  };
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === http.port)
    throw new ConfigError(
      'METRICS_PORT',
      `is PORT (${http.port}): give /metrics a port of its own, or unset it`,
    );
  const usageBudget = usageBudgetConfigFromEnv(env);
  checkBatchFitsInBody(http.bodyLimitBytes, usageBudget.batchMaxIds);
  checkOtlpEndpoints(env);
  checkOtelSettings(env);
  checkExtraCaCertificates(env);
  return {
    production,
    http,
    cors: corsConfigFromEnv(env),
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
    usageBudget,
    rateLimit: rateLimitConfigFromEnv(env),
    upstream,
    auth: authFromEnv(env, upstream.target === 'sandbox'),
    sharedState: sharedStateConfigFromEnv(env),
  };
}

/**
 * The advertised batch maximum must be reachable: a batch of USAGE_BUDGET_BATCH_MAX_IDS ids, sent as GraphQL
 * variables, must fit in one request body, or it gets 413 long before the batch limit.
 */
function checkBatchFitsInBody(bodyLimitBytes: number, batchMaxIds: number): void {
  const needed = batchRequestBytes(batchMaxIds);
  if (bodyLimitBytes < needed) {
    throw new ConfigError(
      'HTTP_BODY_LIMIT_BYTES',
      `is ${bodyLimitBytes}, too small for a batch of USAGE_BUDGET_BATCH_MAX_IDS (${batchMaxIds}) customer ids ` +
        `sent as GraphQL variables, which needs ${needed} bytes: raise HTTP_BODY_LIMIT_BYTES or lower USAGE_BUDGET_BATCH_MAX_IDS`,
    );
  }
}

/**
 * TRUST_PROXY: whose X-Forwarded-For to believe for the caller's address (the rate limit of anonymous callers):
 * `false` (default, the socket's address), `true` (any proxy), or addresses / CIDRs, comma-separated.
 * A number of hops is refused: it cannot tell the proxy from a caller that connects directly and writes hops of its
 * own (CVE-2026-16732; Fastify 5.12 trusts no hop for it at all, which would silently count every caller as the
 * proxy's address).
 */
function trustProxyFromEnv(env: Env): boolean | string {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined || raw.toLowerCase() === 'false') return false;
  if (raw.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(raw))
    throw new ConfigError(
      'TRUST_PROXY',
      "a number of hops trusts whoever connects directly (CVE-2026-16732): list the proxies' addresses or CIDRs " +
        'instead, e.g. 10.0.0.0/8',
    );
  // Each entry checked here: Fastify compiles the list only when the server is built, and a bad one stopped the start
  // with a bare TypeError naming no variable.
  for (const entry of raw.split(',').map((part) => part.trim())) {
    if (!isTrustedProxyEntry(entry))
      throw new ConfigError(
        'TRUST_PROXY',
        `must be true, false or addresses/CIDRs, comma-separated; "${entry}" is none of these`,
      );
  }
  return raw;
}

/** An IPv4 or IPv6 address, alone, with a prefix length (`10.0.0.0/8`) or, for IPv4, a netmask (`/255.0.0.0`). */
function isTrustedProxyEntry(entry: string): boolean {
  const [address, range, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  if (family !== 4 || isIP(range) !== 4) return false;
  // A netmask is ones then zeros.
  const bits = range
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits);
}

/**
 * The OpenTelemetry SDK reads its endpoints itself, and an endpoint it cannot parse only fails each export, in a log
 * line: checked here so that tracing that was asked for is not silently lost.
 */
function checkOtlpEndpoints(env: Env): void {
  for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) {
    const raw = read(env, name);
    if (raw === undefined) continue;
    let protocol: string | undefined;
    try {
      protocol = new URL(raw).protocol;
    } catch {
      protocol = undefined;
    }
    if (protocol !== 'http:' && protocol !== 'https:')
      throw new ConfigError(name, `must be an http:// or https:// URL, got ${quotedUrl(raw)}`);
  }
}

/**
 * NODE_EXTRA_CA_CERTS is Node's own, and Node only warns (on stderr, once) when it cannot load the file: the gateway
 * would then start and fail every call to a privately signed upstream (Redis, a proxy, the issuer) with a certificate
 * error. A path that is set must name readable PEM certificates.
 */
function checkExtraCaCertificates(env: Env): void {
  const path = read(env, 'NODE_EXTRA_CA_CERTS');
  if (path === undefined) return;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      'NODE_EXTRA_CA_CERTS',
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certificates.length === 0)
    throw new ConfigError('NODE_EXTRA_CA_CERTS', `${path} holds no PEM certificate`);
  for (const certificate of certificates) {
    try {
      new X509Certificate(certificate);
    } catch {
      throw new ConfigError('NODE_EXTRA_CA_CERTS', `${path} holds a certificate that cannot be read`);
    }
  }
}

/** The samplers the OpenTelemetry SDK knows, spelled as it compares them (exactly). */
const OTEL_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

/**
 * The SDK reads the standard OTEL_* variables itself and meets a bad one with a diagnostic line and a fallback
 * (every trace sampled, or tracing left on): the operator who asked for 10% got 100%. Checked here instead.
 */
function checkOtelSettings(env: Env): void {
  const sampler = read(env, 'OTEL_TRACES_SAMPLER');
  if (sampler !== undefined && !OTEL_SAMPLERS.includes(sampler))
    throw new ConfigError(
      'OTEL_TRACES_SAMPLER',
      `must be one of ${OTEL_SAMPLERS.join(', ')}, got "${sampler}"`,
    );
  decimal(env, 'OTEL_TRACES_SAMPLER_ARG', 1, 0, 1);
  oneOf(env, 'OTEL_SDK_DISABLED', ['true', 'false'], 'false');
}
