import { ConfigError, Env, httpsUrl, integer, read } from '../config/env';

/** How to validate bearer tokens: one issuer, its keys, the audiences this gateway answers to. */
export interface TokenValidationConfig {
  /** The exact `iss` expected; also where `jwks_uri` is discovered when `jwksUri` is not given. */
  issuer: string;
  jwksUri?: string;
  audiences: string[];
  clockToleranceSeconds: number;
  /** CAs trusted for discovery and JWKS, on top of the system store and NODE_EXTRA_CA_CERTS (the embedded sandbox's). */
  extraCaCertificates?: string[];
}

/**
 * - `jwt`: every call needs a valid bearer token.
 * - `sandbox`: anonymous calls run as the sandbox identity; a token, when sent, is validated against the embedded
 *   sandbox (`tokens` is filled once it runs; until then a token is refused).
 * - `disabled`: AUTH_DISABLED=true, every call runs as an anonymous identity with full rights.
 *
 * `failuresPerMinute`: tokens from one client address that may fail verification per minute before that address's
 * unverified tokens are refused unchecked (0: no limit).
 */
export type AuthConfig =
  | { mode: 'jwt'; tokens: TokenValidationConfig; failuresPerMinute: number }
  | {
      mode: 'sandbox';
      clockToleranceSeconds: number;
      tokens?: TokenValidationConfig;
      failuresPerMinute: number;
    }
  | { mode: 'disabled' };

/**
 * The AUTH_* variables. Explicit settings win: AUTH_DISABLED=true turns authentication off, AUTH_ISSUER or
 * AUTH_JWKS_URI turn it on (in sandbox mode too). Otherwise sandbox mode accepts anonymous callers, and a gateway
 * with real Partner Center credentials refuses to start.
 */
export function authFromEnv(env: Env, sandboxMode: boolean): AuthConfig {
  const disabled = read(env, 'AUTH_DISABLED');
  if (disabled !== undefined && !['true', 'false'].includes(disabled.toLowerCase())) {
    throw new ConfigError('AUTH_DISABLED', `must be true or false, got "${disabled}"`);
  }
  const clockToleranceSeconds = integer(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', 60, 0, 600);
  const failuresPerMinute = integer(env, 'AUTH_FAILURES_PER_MINUTE', 30, 0, 1_000_000);
  const jwksUri = read(env, 'AUTH_JWKS_URI') === undefined ? undefined : httpsUrl(env, 'AUTH_JWKS_URI', '');
  const issuer = read(env, 'AUTH_ISSUER');
  const audiences = (read(env, 'AUTH_AUDIENCE') ?? '')
    .split(',')
    .map((audience) => audience.trim())
    .filter(Boolean);

  if (disabled?.toLowerCase() === 'true') {
    if (issuer !== undefined || jwksUri !== undefined) {
      throw new ConfigError('AUTH_DISABLED', 'is true while AUTH_ISSUER / AUTH_JWKS_URI are set: choose one');
    }
    // As the sandbox is: a production process must not start where anyone can change every customer's budget.
    if (read(env, 'NODE_ENV') === 'production') {
      throw new ConfigError(
        'AUTH_DISABLED',
        'is true with NODE_ENV=production: every caller would change budgets anonymously. Set AUTH_ISSUER and AUTH_AUDIENCE',
      );
    }
    return { mode: 'disabled' };
  }
  if (sandboxMode && issuer === undefined && jwksUri === undefined && audiences.length === 0) {
    return { mode: 'sandbox', clockToleranceSeconds, failuresPerMinute };
  }
  const hint = 'required to authenticate callers (or AUTH_DISABLED=true to run without, never in production)';
  if (issuer === undefined) throw new ConfigError('AUTH_ISSUER', `is ${hint}`);
  // The issuer is compared verbatim with `iss`, so it is not normalised; discovery needs it to be https.
  httpsUrl(env, 'AUTH_ISSUER', '');
  if (audiences.length === 0) throw new ConfigError('AUTH_AUDIENCE', `is ${hint}`);
  return {
    mode: 'jwt',
    tokens: { issuer, ...(jwksUri !== undefined && { jwksUri }), audiences, clockToleranceSeconds },
    failuresPerMinute,
  };
}
