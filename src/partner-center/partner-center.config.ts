import { LANGUAGE_TAG } from '../common/language-tag';
import {
  atLeast,
  ConfigError,
  decimal,
  Env,
  httpsUrl,
  integer,
  oneOf,
  headerValue,
  read,
  secret,
  tenantId,
  unquoted,
} from '../config/env';
import { isGuid } from '../common/guid';
import { PARTNER_CENTER_CLOUDS, PartnerCenterCloud } from './clouds';
import { loadCertificateCredential } from './credentials/certificate-credential';
import type {
  PartnerCenterAuthMode,
  PartnerCenterCredential,
  PartnerCenterOptions,
  ResilienceOptions,
  RetryOptions,
} from './partner-center.options';
import type { QuotaOptions } from './quota/quota-shaper';

/**
 * Where the gateway's upstream is: Partner Center itself (the partner's app credentials), or the Partner Center
 * sandbox started in-process (PARTNER_CENTER=sandbox, what `npm start` sets). Nothing is ever chosen by default: a
 * gateway with neither refuses to start, so a missing secret mount cannot turn production into an emulator.
 */
export type UpstreamConfig =
  | { target: 'partner-center'; connection: PartnerCenterOptions }
  | {
      target: 'sandbox';
      connection: SandboxConnectionSettings;
      sandbox: { port: number; stateDir?: string };
    };

/** What sandbox mode takes from the environment; the URLs, tenant and client come from the running sandbox. */
export type SandboxConnectionSettings = Pick<
  PartnerCenterOptions,
  'authMode' | 'applicationName' | 'locale' | 'retry' | 'quota' | 'resilience'
>;

export const SANDBOX_IN_PRODUCTION_VARIABLE = 'ALLOW_SANDBOX_IN_PRODUCTION';

export function upstreamFromEnv(env: Env): UpstreamConfig {
  const target = oneOf(env, 'PARTNER_CENTER', ['partner-center', 'sandbox'] as const, 'partner-center');
  if (target === 'sandbox') return sandboxFromEnv(env);
  return { target, connection: partnerCenterFromEnv(env) };
}

function sandboxFromEnv(env: Env): UpstreamConfig {
  // Everything that only a real Partner Center reads: ignored, it would let the operator believe the gateway talks to
  // the Partner Center (or Entra ID) they named, while the emulator invents the budgets.
  for (const credential of [
    'AZURE_CLIENT_ID',
    'AZURE_CLIENT_SECRET',
    'AZURE_CLIENT_SECRET_FILE',
    'AZURE_CLIENT_CERTIFICATE_PATH',
    'AZURE_CLIENT_CERTIFICATE_PASSWORD',
    'AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE',
    'AZURE_TENANT_ID',
    'AZURE_AUTHORITY_HOST',
    'PARTNER_CENTER_BASE_URL',
  ]) {
    if (read(env, credential) !== undefined) {
      throw new ConfigError(
        'PARTNER_CENTER',
        `is "sandbox" while ${credential} is set: unset PARTNER_CENTER to use the app credentials, or unset ${credential}`,
      );
    }
  }
  const allowed = oneOf(env, SANDBOX_IN_PRODUCTION_VARIABLE, ['true', 'false'] as const, 'false') === 'true';
  if (read(env, 'NODE_ENV') === 'production' && !allowed) {
    throw new ConfigError(
      'PARTNER_CENTER',
      `is "sandbox" with NODE_ENV=production: the sandbox is an emulator that invents budgets and lets anonymous callers write. ` +
        `Configure AZURE_CLIENT_ID and its credential, or set ${SANDBOX_IN_PRODUCTION_VARIABLE}=true for a demo`,
    );
  }
  return {
    target: 'sandbox',
    connection: connectionSettingsFromEnv(env),
    sandbox: { port: integer(env, 'SANDBOX_PORT', 0, 0, 65535), stateDir: read(env, 'SANDBOX_STATE_DIR') },
  };
}

function partnerCenterFromEnv(env: Env): PartnerCenterOptions {
  const clientId = read(env, 'AZURE_CLIENT_ID');
  const clientSecret = secret(env, 'AZURE_CLIENT_SECRET');
  const certificatePath = read(env, 'AZURE_CLIENT_CERTIFICATE_PATH');
  const tenant = tenantId(env, 'AZURE_TENANT_ID');
  const cloud = oneOf(
    env,
    'PARTNER_CENTER_CLOUD',
    Object.keys(PARTNER_CENTER_CLOUDS) as PartnerCenterCloud[],
    'public',
  );
  const settings = connectionSettingsFromEnv(env);

  if (clientId === undefined) {
    throw new ConfigError(
      'AZURE_CLIENT_ID',
      'is required: the partner app that calls Partner Center (with AZURE_TENANT_ID and a secret or certificate); ' +
        'set PARTNER_CENTER=sandbox to run on the emulator instead',
    );
  }
  if (!isGuid(clientId)) {
    throw new ConfigError(
      'AZURE_CLIENT_ID',
      `must be the application (client) id, a GUID, got ${unquoted(clientId)}`,
    );
  }
  if (tenant === undefined)
    throw new ConfigError('AZURE_TENANT_ID', 'is required with AZURE_CLIENT_ID (the partner tenant)');

  let credential: PartnerCenterCredential;
  if (clientSecret !== undefined && certificatePath !== undefined) {
    throw new ConfigError(
      'AZURE_CLIENT_SECRET',
      'set either a client secret or AZURE_CLIENT_CERTIFICATE_PATH, not both',
    );
  } else if (clientSecret !== undefined) {
    // A certificate's password without the certificate: the operator meant a certificate, and got a secret.
    if (read(env, 'AZURE_CLIENT_CERTIFICATE_PASSWORD') ?? read(env, 'AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE'))
      throw new ConfigError(
        'AZURE_CLIENT_CERTIFICATE_PASSWORD',
        'is set without AZURE_CLIENT_CERTIFICATE_PATH',
      );
    credential = { kind: 'secret', clientSecret };
  } else if (certificatePath !== undefined) {
    credential = {
      kind: 'certificate',
      certificatePath,
      certificate: loadCertificateCredential(
        certificatePath,
        secret(env, 'AZURE_CLIENT_CERTIFICATE_PASSWORD'),
      ),
    };
  } else {
    throw new ConfigError(
      'AZURE_CLIENT_SECRET',
      'or AZURE_CLIENT_CERTIFICATE_PATH is required with AZURE_CLIENT_ID',
    );
  }

  const defaults = PARTNER_CENTER_CLOUDS[cloud];
  return {
    ...settings,
    baseUrl: httpsUrl(env, 'PARTNER_CENTER_BASE_URL', defaults.baseUrl),
    authorityHost: httpsUrl(env, 'AZURE_AUTHORITY_HOST', defaults.authorityHost),
    tenantId: tenant,
    clientId,
    credential,
  };
}

function connectionSettingsFromEnv(env: Env): SandboxConnectionSettings {
  return {
    authMode: oneOf<PartnerCenterAuthMode>(env, 'PARTNER_CENTER_AUTH_MODE', ['app', 'app+user'], 'app'),
    applicationName: headerValue(env, 'PARTNER_CENTER_APPLICATION_NAME', 'usage-budget-gateway'),
    locale: headerValue(env, 'PARTNER_CENTER_LOCALE', 'en-US', LANGUAGE_TAG, 'a language tag such as en-US'),
    retry: retryFromEnv(env),
    quota: quotaFromEnv(env),
    resilience: resilienceFromEnv(env),
  };
}

/** Starts at the maximum and adapts down on 429s: a partner that is never throttled never waits. */
function quotaFromEnv(env: Env): QuotaOptions {
  const minConcurrency = integer(env, 'PARTNER_CENTER_MIN_CONCURRENCY', 2, 1, 1_000);
  const maxConcurrency = integer(env, 'PARTNER_CENTER_MAX_CONCURRENCY', 64, 1, 1_000);
  atLeast('PARTNER_CENTER_MAX_CONCURRENCY', maxConcurrency, 'PARTNER_CENTER_MIN_CONCURRENCY', minConcurrency);
  return {
    minConcurrency,
    maxConcurrency,
    initialConcurrency: maxConcurrency,
    maxRequestsPerSecond: integer(env, 'PARTNER_CENTER_MAX_REQUESTS_PER_SECOND', 0, 0, 100_000),
    maxPauseMs: integer(env, 'PARTNER_CENTER_MAX_THROTTLE_PAUSE_SECONDS', 600, 1, 86_400) * 1000,
  };
}

function resilienceFromEnv(env: Env): ResilienceOptions {
  return {
    circuit: {
      failureThreshold: integer(env, 'PARTNER_CENTER_CIRCUIT_FAILURE_THRESHOLD', 5, 1, 1000),
      breakMs: integer(env, 'PARTNER_CENTER_CIRCUIT_BREAK_MS', 5_000, 100, 600_000),
    },
    maxConcurrentCalls: integer(env, 'PARTNER_CENTER_MAX_CONCURRENT_CALLS', 256, 1, 10_000),
    maxQueuedCalls: integer(env, 'PARTNER_CENTER_MAX_QUEUED_CALLS', 1_000, 0, 100_000),
    retryBudget: {
      ratio: decimal(env, 'PARTNER_CENTER_RETRY_BUDGET_RATIO', 0.5, 0, 10),
      minRetries: integer(env, 'PARTNER_CENTER_RETRY_BUDGET_MIN_RETRIES', 10, 0, 10_000),
      windowMs: 10_000,
    },
  };
}

function retryFromEnv(env: Env): RetryOptions {
  const maxAttempts = integer(env, 'PARTNER_CENTER_MAX_ATTEMPTS', 4, 1, 10);
  const attemptTimeoutMs = integer(env, 'PARTNER_CENTER_ATTEMPT_TIMEOUT_MS', 10_000, 100, 120_000);
  const deadlineMs = integer(env, 'PARTNER_CENTER_DEADLINE_MS', 30_000, 100, 600_000);
  const baseDelayMs = integer(env, 'PARTNER_CENTER_RETRY_BASE_DELAY_MS', 500, 0, 60_000);
  const maxDelayMs = integer(env, 'PARTNER_CENTER_RETRY_MAX_DELAY_MS', 8_000, 0, 300_000);
  const maxRetryAfterSeconds = integer(env, 'PARTNER_CENTER_MAX_RETRY_AFTER_SECONDS', 30, 0, 3600);
  atLeast('PARTNER_CENTER_RETRY_MAX_DELAY_MS', maxDelayMs, 'PARTNER_CENTER_RETRY_BASE_DELAY_MS', baseDelayMs);
  atLeast('PARTNER_CENTER_DEADLINE_MS', deadlineMs, 'PARTNER_CENTER_ATTEMPT_TIMEOUT_MS', attemptTimeoutMs);
  return { maxAttempts, attemptTimeoutMs, deadlineMs, baseDelayMs, maxDelayMs, maxRetryAfterSeconds };
}
