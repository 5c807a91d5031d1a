import { errors, jwtVerify, type JWTPayload } from 'jose';
import { PARTNER_CENTER_RESOURCE } from '../defaults';
import type { SandboxReply } from '../http/exchange';
import type { SandboxAuthority } from '../identity/authority';
import type { TokenLedger } from '../identity/token-ledger';
import { accessDenied, partnerTokenMissing } from './errors';
import type { VerifiedTokens } from './verified-tokens';

/** Partner Center's first check: a valid, unrevoked token of this tenant, for Partner Center. Returns the rejection, if any. */
export async function rejectBearerToken(
  authorization: string | undefined,
  authority: SandboxAuthority,
  ledger: TokenLedger,
  verified: VerifiedTokens,
): Promise<SandboxReply | undefined> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return partnerTokenMissing();
  const token = match[1];
  try {
    const payload =
      verified.current(token, Math.floor(Date.now() / 1000)) ?? (await verify(token, authority, verified));
    if (payload.tid !== authority.tenantId)
      return accessDenied('Access denied: the token was issued for another tenant.');
    if (ledger.isRevoked(payload.uti)) return accessDenied('Access denied: the token has been revoked.');
    if (payload.roles === undefined && payload.scp !== 'user_impersonation')
      return accessDenied(
        'Access denied: the token carries neither app roles nor the user_impersonation scope.',
      );
    return undefined;
  } catch (error) {
    return accessDenied(`Access denied: ${describe(error)}`);
  }
}

/** Signature, issuer, audience and lifetime, as Partner Center checks them; remembered once they pass. */
async function verify(
  token: string,
  authority: SandboxAuthority,
  verified: VerifiedTokens,
): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, authority.key.publicKey, {
    algorithms: ['RS256'],
    issuer: authority.issuer,
    audience: PARTNER_CENTER_RESOURCE,
    requiredClaims: ['exp', 'tid'],
  });
  verified.remember(token, payload);
  return payload;
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired.';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid.';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token's '${error.claim}' claim is invalid.`;
  return 'the token is malformed.';
}
