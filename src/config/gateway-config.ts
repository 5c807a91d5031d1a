import { AuthConfig, authFromEnv } from '../auth/auth-config';
import { PARTNER_CENTER_CLOUDS } from './clouds';
import { ConfigError, cloud, decimal, httpsUrl, integer, oneOf, read, secret, tenantId } from './env';
import { loadCertificateCredential } from '../partner-center/credentials/certificate-credential';
import { PartnerCenterAuthMode, PartnerCenterCredential, PartnerCenterOptions, RetryOptions } from '../partner-center/partner-center.options';
import { isGuid } from '../common/guid';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface GatewayConfig {
  production: boolean;
  http: { host: string; port: number; bodyLimitBytes: number };
  logLevel: LogLevel;
  usageBudget: { maxAmount: number };
  /** Requests per caller per minute; 0 turns the limit off. */
  rateLimit: { perMinute: number };
  /** Partner Center connection; absent when no app credentials are configured (sandbox mode). */
  partnerCenter?: PartnerCenterOptions;
  /** Inbound authentication (`src/auth/`). */
  auth: AuthConfig;
}

type Env = Record<string, string | undefined>;

/**
 * Reads and validates the whole environment once, at start-up. Every problem throws a ConfigError
 * naming the variable, so a misconfigured gateway never starts half-working.
 */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const partnerCenter = partnerCenterFromEnv(env);
  return {
    production: read(env, 'NODE_ENV') === 'production',
    http: {
      host: read(env, 'HOST') ?? '127.0.0.1',
      port: integer(env, 'PORT', 3000, 0, 65535),
      bodyLimitBytes: integer(env, 'HTTP_BODY_LIMIT_BYTES', 16 * 1024, 256, 1024 * 1024),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    usageBudget: { maxAmount: decimal(env, 'USAGE_BUDGET_MAX_AMOUNT', 1_000_000_000, 1, 1e15) },
    rateLimit: { perMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000) },
    partnerCenter,
    auth: authFromEnv(env, partnerCenter === undefined),
  };
}

function partnerCenterFromEnv(env: Env): PartnerCenterOptions | undefined {
  const clientId = read(env, 'AZURE_CLIENT_ID');
  const clientSecret = secret(env, 'AZURE_CLIENT_SECRET');
  const certificatePath = read(env, 'AZURE_CLIENT_CERTIFICATE_PATH');
  const tenant = tenantId(env, 'AZURE_TENANT_ID');
  const selectedCloud = cloud(env);
  const retry = retryFromEnv(env);

  if (clientId === undefined) {
    // No app: sandbox mode. A half-configured app is a mistake, not a wish for the sandbox.
    for (const stray of ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_SECRET_FILE', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_TENANT_ID']) {
      if (read(env, stray) !== undefined) {
        throw new ConfigError('AZURE_CLIENT_ID', `is required when ${stray} is set (unset both to run on the sandbox)`);
      }
    }
    return undefined;
  }
  if (!isGuid(clientId)) {
    throw new ConfigError('AZURE_CLIENT_ID', `must be the application (client) id, a GUID, got "${clientId}"`);
  }
  if (tenant === undefined) throw new ConfigError('AZURE_TENANT_ID', 'is required with AZURE_CLIENT_ID (the partner tenant)');

  let credential: PartnerCenterCredential;
  if (clientSecret !== undefined && certificatePath !== undefined) {
    throw new ConfigError('AZURE_CLIENT_SECRET', 'set either a client secret or AZURE_CLIENT_CERTIFICATE_PATH, not both');
  } else if (clientSecret !== undefined) {
    credential = { kind: 'secret', clientSecret };
  } else if (certificatePath !== undefined) {
    credential = {
      kind: 'certificate',
      certificatePath,
      certificate: loadCertificateCredential(certificatePath, secret(env, 'AZURE_CLIENT_CERTIFICATE_PASSWORD')),
    };
  } else {
    throw new ConfigError('AZURE_CLIENT_SECRET', 'or AZURE_CLIENT_CERTIFICATE_PATH is required with AZURE_CLIENT_ID');
  }

  const defaults = PARTNER_CENTER_CLOUDS[selectedCloud];
  return {
    authMode: authModeFromEnv(env),
    baseUrl: httpsUrl(env, 'PARTNER_CENTER_BASE_URL', defaults.baseUrl),
    authorityHost: httpsUrl(env, 'AZURE_AUTHORITY_HOST', defaults.authorityHost),
    tenantId: tenant,
    clientId,
    credential,
    applicationName: read(env, 'PARTNER_CENTER_APPLICATION_NAME') ?? 'usage-budget-gateway',
    locale: read(env, 'PARTNER_CENTER_LOCALE') ?? 'en-US',
    retry,
  };
}

/** Exported for sandbox mode, which honours it too. */
export function authModeFromEnv(env: Env): PartnerCenterAuthMode {
  return oneOf(env, 'PARTNER_CENTER_AUTH_MODE', ['app', 'app+user'] as const, 'app');
}

/** Exported for sandbox mode, which builds its own connection but honours the same retry knobs. */
export function retryFromEnv(env: Env): RetryOptions {
  const maxAttempts = integer(env, 'PARTNER_CENTER_MAX_ATTEMPTS', 4, 1, 10);
  const attemptTimeoutMs = integer(env, 'PARTNER_CENTER_ATTEMPT_TIMEOUT_MS', 10_000, 100, 120_000);
  const deadlineMs = integer(env, 'PARTNER_CENTER_DEADLINE_MS', 30_000, 100, 600_000);
  const baseDelayMs = integer(env, 'PARTNER_CENTER_RETRY_BASE_DELAY_MS', 500, 0, 60_000);
  const maxDelayMs = integer(env, 'PARTNER_CENTER_RETRY_MAX_DELAY_MS', 8_000, 0, 300_000);
  const maxRetryAfterSeconds = integer(env, 'PARTNER_CENTER_MAX_RETRY_AFTER_SECONDS', 30, 0, 3600);
  if (maxDelayMs < baseDelayMs) {
    throw new ConfigError('PARTNER_CENTER_RETRY_MAX_DELAY_MS', `must be at least PARTNER_CENTER_RETRY_BASE_DELAY_MS (${baseDelayMs})`);
  }
  if (deadlineMs < attemptTimeoutMs) {
    throw new ConfigError('PARTNER_CENTER_DEADLINE_MS', `must be at least PARTNER_CENTER_ATTEMPT_TIMEOUT_MS (${attemptTimeoutMs})`);
  }
  return { maxAttempts, attemptTimeoutMs, deadlineMs, baseDelayMs, maxDelayMs, maxRetryAfterSeconds };
}
