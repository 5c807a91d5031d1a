import type { SigningKey } from '../keys';

/** Who the sandbox's Entra ID is: its URLs, its tenant and its signing key. */
export interface SandboxAuthority {
  url: string;
  tenantId: string;
  /** `${url}/${tenantId}/v2.0`, the iss of every token the sandbox signs. */
  issuer: string;
  key: SigningKey;
  tokenLifetimeSeconds: number;
  callerAudience: string;
}

export function tokenEndpoint(authority: SandboxAuthority, tenantSegment: string): string {
  return `${authority.url}/${tenantSegment}/oauth2/v2.0/token`;
}

/** 'common' and 'organizations' are Entra's multi-tenant aliases; anything else must be the partner tenant. */
export function resolveTenant(
  authority: SandboxAuthority,
  segment: string,
): 'tenant' | 'multi-tenant' | 'unknown' {
  if (segment.toLowerCase() === authority.tenantId.toLowerCase()) return 'tenant';
  if (['common', 'organizations'].includes(segment.toLowerCase())) return 'multi-tenant';
  return 'unknown';
}
