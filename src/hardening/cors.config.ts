import { ConfigError, Env, integer, read } from '../config/env';

/** Which browser pages on other origins may call the API (CORS); none by default. */
export interface CorsConfig {
  /** Exact origins as browsers serialise them (`https://portal.example`, lower case, no default port); empty: off. */
  allowedOrigins: string[];
  /** How long a browser may reuse a preflight's grant (`Access-Control-Max-Age`). */
  maxAgeSeconds: number;
}

/** Chromium caps a preflight's cache at 2 hours, Firefox at 24: a longer value would only mislead. */
const MAX_AGE_LIMIT_SECONDS = 86_400;

export function corsConfigFromEnv(env: Env): CorsConfig {
  const raw = read(env, 'CORS_ALLOWED_ORIGINS');
  const allowedOrigins = raw === undefined ? [] : [...new Set(raw.split(',').map(configuredOrigin))];
  return {
    allowedOrigins,
    maxAgeSeconds: integer(env, 'CORS_MAX_AGE_SECONDS', 600, 0, MAX_AGE_LIMIT_SECONDS),
  };
}

/**
 * One entry of CORS_ALLOWED_ORIGINS as the browser will send it in `Origin`. Only a plain origin is taken: a path, a
 * wildcard or `null` would each grant something other than what the operator wrote (a path is no part of an origin,
 * so `https://portal.example/app` would admit every page of that host; `null` is the origin of sandboxed frames and
 * `file:` pages, anyone's).
 */
function configuredOrigin(entry: string): string {
  const value = entry.trim();
  const refuse = (problem: string): never => {
    throw new ConfigError(
      'CORS_ALLOWED_ORIGINS',
      `must be origins (scheme://host[:port]), comma-separated; ${problem}`,
    );
  };
  if (value === '') refuse('an entry is empty');
  const quoted = `"${value.length > 100 ? `${value.slice(0, 100)}…` : value}"`;
  if (value.includes('*')) refuse(`${quoted} has a wildcard: list each origin`);
  if (value.toLowerCase() === 'null')
    refuse('"null" (the origin of sandboxed and file: pages) is never allowed');
  const origin = originOf(value);
  if (origin === undefined)
    refuse(`${quoted} is not an http:// or https:// origin with nothing after the port`);
  return origin!;
}

/**
 * An origin in its browser serialisation (scheme and host lower case, IDN host in punycode, default port dropped),
 * or undefined when `value` is anything more or less than `http(s)://host[:port]` (a trailing `/` is tolerated).
 */
export function originOf(value: string): string | undefined {
  if (!/^https?:\/\/[^/?#@\\]+\/?$/i.test(value)) return undefined;
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}
