import { readFileSync } from 'node:fs';
import { isGuid } from '../common/guid';

/** A configuration problem found at start-up; the message always names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** The process environment, or a test's. */
export type Env = Record<string, string | undefined>;

const TENANT_DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

/** Reads one variable: trimmed, and empty counts as unset (compose files often pass `VAR=`). */
export function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !/^-?[\d.]+(e[+-]?\d+)?$/i.test(raw)) {
    throw new ConfigError(name, `must be a number, got "${raw}"`);
  }
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Two related variables in order: `name` must not be below `otherName` (a maximum below its minimum, …). */
export function atLeast(name: string, value: number, otherName: string, otherValue: number): void {
  if (value < otherValue) throw new ConfigError(name, `must be at least ${otherName} (${otherValue})`);
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase() as T;
  if (!allowed.includes(value))
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return value;
}

/** An https origin (MSAL refuses http authorities; an http Partner Center would leak bearer tokens). */
export function httpsUrl(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute https:// URL, got ${quotedUrl(raw)}`);
  }
  if (url.protocol !== 'https:') throw new ConfigError(name, `must use https://, got ${quotedUrl(raw)}`);
  if (url.search || url.hash || url.username || url.password)
    throw new ConfigError(name, `must be a plain origin or path, got ${quotedUrl(raw)}`);
  return url.toString().replace(/\/+$/, '');
}

/**
 * A URL-valued variable as an error may quote it: without user, password, query and fragment, which can hold a
 * credential; and a value that is no URL at all is not quoted, since it may be a secret set in the wrong variable.
 */
export function quotedUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'a value that is no URL (not quoted)';
  }
  const hidden = url.username || url.password || url.search || url.hash;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return `"${url.toString()}"${hidden ? ' (its user, password, query or fragment not quoted)' : ''}`;
}

/**
 * A value sent as an HTTP header field: visible ASCII, spaces and tabs only (and at most 256 characters). The HTTP
 * client refuses anything else (CR/LF, control characters, characters outside Latin-1) on every request, so a bad
 * value must stop the start rather than fail each call with a 500.
 */
export function headerValue(
  env: Env,
  name: string,
  fallback: string,
  pattern?: RegExp,
  shape?: string,
): string {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (raw.length > 256 || !/^[\x20-\x7e\t]+$/.test(raw))
    throw new ConfigError(
      name,
      'must be printable ASCII (it is sent as an HTTP header), at most 256 characters',
    );
  if (pattern && !pattern.test(raw)) throw new ConfigError(name, `must be ${shape}, got "${raw}"`);
  return raw;
}

export function tenantId(env: Env, name: string): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  if (!isGuid(raw) && !TENANT_DOMAIN.test(raw)) {
    throw new ConfigError(
      name,
      `must be a tenant GUID or a verified domain (contoso.onmicrosoft.com), got ${unquoted(raw)}`,
    );
  }
  return raw;
}

/** A secret given inline (`NAME`) or as a mounted file (`NAME_FILE`), never both. */
export function secret(env: Env, name: string): string | undefined {
  const inline = read(env, name);
  const file = read(env, `${name}_FILE`);
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError(name, `set either ${name} or ${name}_FILE, not both`);
  }
  if (file === undefined) return inline;
  try {
    const value = readFileSync(file, 'utf8').trim();
    if (!value) throw new ConfigError(`${name}_FILE`, `the file ${quotedPath(file)} is empty`);
    return value;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `${name}_FILE`,
      `cannot read ${quotedPath(file)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** A file path as a mounted secret or certificate has it: absolute or explicitly relative, no spaces nor `+` `=` `:`. */
const FILE_PATH = /^\.{0,2}\/[\w./-]*$/;

/**
 * How an error names the file a `…_FILE` or `…_PATH` variable gives: the path when it looks like one, else not quoted.
 * The slip it guards against is the secret itself, a `rediss://:key@…` URL or a PEM pasted where its file's path
 * goes: reading it fails, and the error would print it to stderr and the container logs.
 */
export function quotedPath(raw: string): string {
  return FILE_PATH.test(raw) && raw.length <= 1024
    ? raw
    : `a value of ${raw.length} characters (not quoted: it is no absolute or ./ path, and may be the secret itself)`;
}

/**
 * How an error describes the value of an identifier variable (AZURE_CLIENT_ID, AZURE_TENANT_ID) without quoting it:
 * the classic slip is the client secret pasted there, and the error goes to the logs.
 */
export function unquoted(raw: string): string {
  return `a value of ${raw.length} characters (not quoted: it may be a secret set in the wrong variable)`;
}
