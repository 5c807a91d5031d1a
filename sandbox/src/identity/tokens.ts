import { createHash, randomUUID } from 'node:crypto';
import { SANDBOX_CALLER_APP_ID, SANDBOX_USER, PARTNER_CENTER_RESOURCE } from '../defaults';
import type { CallerTokenClaims } from '../types';
import type { SandboxAuthority } from './authority';
import type { TokenLedger } from './token-ledger';

/** The user an on-behalf-of token acts for, read from the caller's assertion. */
export interface DelegatingUser {
  oid: string;
  sub: string;
  name?: string;
  upn?: string;
  amr?: string[];
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An app-only Partner Center access token (client credentials). */
export async function issueAppToken(
  authority: SandboxAuthority,
  ledger: TokenLedger,
  clientId: string,
): Promise<string> {
  return signAccessToken(authority, ledger, clientId, {
    roles: [],
    idtyp: 'app',
    // App-only tokens stand for the service principal: Entra puts its object id in oid and sub.
    oid: servicePrincipalObjectId(clientId),
    sub: servicePrincipalObjectId(clientId),
  });
}

/** A delegated Partner Center access token (on-behalf-of). */
export async function issueDelegatedToken(
  authority: SandboxAuthority,
  ledger: TokenLedger,
  clientId: string,
  user: DelegatingUser,
): Promise<string> {
  return signAccessToken(authority, ledger, clientId, {
    scp: 'user_impersonation',
    idtyp: 'user',
    oid: user.oid,
    sub: user.sub,
    name: user.name,
    upn: user.upn,
    unique_name: user.upn,
    amr: user.amr,
  });
}

async function signAccessToken(
  authority: SandboxAuthority,
  ledger: TokenLedger,
  clientId: string,
  claims: Record<string, unknown>,
): Promise<string> {
  const now = nowSeconds();
  const uti = randomUUID();
  ledger.issue(uti);
  return authority.key.sign({
    aud: PARTNER_CENTER_RESOURCE,
    iss: authority.issuer,
    iat: now,
    nbf: now,
    exp: now + authority.tokenLifetimeSeconds,
    tid: authority.tenantId,
    appid: clientId,
    azp: clientId,
    appidacr: '1',
    uti,
    ver: '1.0',
    ...claims,
  });
}

/** The id_token and client_info MSAL needs to keep one cache entry per user for OBO. */
export async function issueIdToken(
  authority: SandboxAuthority,
  clientId: string,
  user: DelegatingUser,
): Promise<{ idToken: string; clientInfo: string }> {
  const now = nowSeconds();
  const idToken = await authority.key.sign({
    aud: clientId,
    iss: authority.issuer,
    iat: now,
    nbf: now,
    exp: now + authority.tokenLifetimeSeconds,
    tid: authority.tenantId,
    oid: user.oid,
    sub: user.sub,
    name: user.name,
    preferred_username: user.upn,
    ver: '2.0',
  });
  const clientInfo = Buffer.from(JSON.stringify({ uid: user.oid, utid: authority.tenantId })).toString(
    'base64url',
  );
  return { idToken, clientInfo };
}

/** A token a front end would present to the gateway, signed by the same key as everything else. */
export async function issueCallerToken(
  authority: SandboxAuthority,
  claims: CallerTokenClaims,
): Promise<{ token: string; expiresIn: number }> {
  const now = nowSeconds();
  const expiresIn = claims.expiresInSeconds ?? 3600;
  const appId = claims.appid ?? SANDBOX_CALLER_APP_ID;
  const oid = claims.oid ?? SANDBOX_USER.oid;
  const token = await authority.key.sign({
    aud: claims.aud ?? authority.callerAudience,
    iss: authority.issuer,
    iat: now,
    nbf: now + (claims.notBeforeSeconds ?? 0),
    exp: now + expiresIn,
    tid: authority.tenantId,
    oid,
    sub: claims.sub ?? oid,
    name: claims.name ?? SANDBOX_USER.name,
    upn: claims.upn ?? SANDBOX_USER.upn,
    preferred_username: claims.upn ?? SANDBOX_USER.upn,
    amr: claims.amr ?? ['pwd', 'mfa'],
    roles: claims.roles,
    scp: claims.scp,
    appid: appId,
    azp: appId,
    uti: randomUUID(),
    ver: '2.0',
  });
  return { token, expiresIn };
}

/** A stable made-up object id per app, so app tokens of one client always carry the same oid. */
function servicePrincipalObjectId(clientId: string): string {
  const hex = createHash('sha256').update(clientId.toLowerCase()).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
