import type { JWTPayload } from 'jose';
import type { Caller } from '../request-context/caller';
import { READ_WRITE } from './permissions';

/** Maps the claims of a validated access token to the Caller the rest of the gateway sees. */
export function callerFromClaims(claims: JWTPayload, token: string): Caller {
  const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [];
  // A delegated token carries `scp`: its `oid` is the signed-in user. In an app-only token, `oid` is the app's.
  const delegated = typeof claims.scp === 'string';
  return {
    subject: String(claims.sub),
    ...optional('issuer', text(claims.iss)),
    ...optional('appId', text(claims.azp) ?? text(claims.appid)),
    ...optional('userId', delegated ? text(claims.oid) : undefined),
    ...optional('userName', text(claims.upn) ?? text(claims.preferred_username) ?? text(claims.name)),
    roles: rolesOf(claims.roles),
    scopes,
    token,
    anonymous: false,
  };
}

/** Who an anonymous call runs as in sandbox mode or with AUTH_DISABLED=true: full rights, and marked as such. */
export function anonymousCaller(subject: 'sandbox' | 'anonymous'): Caller {
  return {
    subject,
    userName: subject === 'sandbox' ? 'Sandbox caller' : 'Anonymous caller',
    roles: [READ_WRITE],
    scopes: [],
    anonymous: true,
  };
}

/**
 * Entra ID always sends `roles` as an array; an issuer that sends a single role as a string (AD FS does) means that
 * one role, and Microsoft.IdentityModel reads it so: a caller holding the role must not be refused it. The string is
 * one role, never split.
 */
function rolesOf(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  return Array.isArray(value) ? value.filter((role): role is string => typeof role === 'string') : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
