import { errors, jwtVerify, type JWTPayload } from 'jose';
import { DELEGATED_SCOPE } from '../../defaults';
import { json, type SandboxReply } from '../../http/exchange';
import type { SandboxAuthority } from '../authority';
import type { RegisteredClient } from '../client-registry';
import { entraError, entraErrors } from '../entra-errors';
import type { TokenLedger } from '../token-ledger';
import { issueDelegatedToken, issueIdToken, type DelegatingUser } from '../tokens';
import { resourceScopes } from './scopes';

/** The Conditional Access policy that demands MFA for Partner Center (returned in the claims challenge). */
export const MFA_POLICY_ID = '5b2b0f4e-3c7a-4d1e-9f60-1a2b3c4d5e6f';

/**
 * On-behalf-of: the gateway trades the caller's token (issued by this sandbox, for the gateway) for a
 * delegated Partner Center token. Partner Center enforces MFA for app+user calls, so a caller who
 * signed in without MFA gets the claims challenge that MSAL turns into InteractionRequiredAuthError.
 */
export async function onBehalfOfGrant(
  form: URLSearchParams,
  client: RegisteredClient,
  authority: SandboxAuthority,
  ledger: TokenLedger,
): Promise<SandboxReply> {
  if (form.get('requested_token_use') !== 'on_behalf_of')
    return entraErrors.missingParameter('requested_token_use');
  const assertion = form.get('assertion');
  if (!assertion) return entraErrors.missingParameter('assertion');

  const verified = await verifyUserAssertion(assertion, client, authority);
  if ('error' in verified) return verified.error;
  const scope = form.get('scope') ?? '';
  const requested = resourceScopes(scope);
  if (requested.length !== 1 || requested[0].toLowerCase() !== DELEGATED_SCOPE)
    return entraErrors.invalidScope(scope);

  const user = delegatingUser(verified.claims);
  if (!user.amr?.includes('mfa')) return mfaRequired();

  const accessToken = await issueDelegatedToken(authority, ledger, client.clientId, user);
  const { idToken, clientInfo } = await issueIdToken(authority, client.clientId, user);
  return json(200, {
    token_type: 'Bearer',
    scope: DELEGATED_SCOPE,
    expires_in: authority.tokenLifetimeSeconds,
    ext_expires_in: authority.tokenLifetimeSeconds,
    access_token: accessToken,
    id_token: idToken,
    client_info: clientInfo,
  });
}

async function verifyUserAssertion(
  assertion: string,
  client: RegisteredClient,
  authority: SandboxAuthority,
): Promise<{ claims: JWTPayload } | { error: SandboxReply }> {
  // The caller's token must have been issued for this app (the gateway's API), under any of its usual names.
  const audiences = [authority.callerAudience, `api://${client.clientId}`, client.clientId];
  try {
    const { payload } = await jwtVerify(assertion, authority.key.publicKey, {
      algorithms: ['RS256'],
      issuer: authority.issuer,
    });
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.some((a) => a && audiences.includes(a))) {
      return {
        error: entraErrors.invalidGrant(
          50013,
          `Assertion audience claim does not match the required value. The audience in the assertion was '${aud.join(',')}' and the expected audience is '${audiences[0]}'.`,
        ),
      };
    }
    if (payload.tid !== authority.tenantId)
      return { error: entraErrors.invalidGrant(50013, 'Assertion contains an invalid tenant.') };
    return { claims: payload };
  } catch (error) {
    if (error instanceof errors.JWTExpired)
      return {
        error: entraErrors.invalidGrant(
          500133,
          'Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion.',
        ),
      };
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf')
      return { error: entraErrors.invalidGrant(500133, 'Assertion is not within its valid time range.') };
    return {
      error: entraErrors.invalidGrant(
        50013,
        `Assertion failed signature validation. [Reason - ${error instanceof Error ? error.message : 'invalid token'}]`,
      ),
    };
  }
}

function delegatingUser(claims: JWTPayload): DelegatingUser {
  const oid = String(claims.oid ?? claims.sub);
  return {
    oid,
    sub: String(claims.sub ?? oid),
    name: typeof claims.name === 'string' ? claims.name : undefined,
    upn:
      typeof claims.upn === 'string'
        ? claims.upn
        : typeof claims.preferred_username === 'string'
          ? claims.preferred_username
          : undefined,
    amr: Array.isArray(claims.amr) ? claims.amr.map(String) : undefined,
  };
}

function mfaRequired(): SandboxReply {
  return entraError(
    400,
    'interaction_required',
    50076,
    "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access 'fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd'.",
    {
      suberror: 'basic_action',
      claims: JSON.stringify({ access_token: { capolids: { essential: true, values: [MFA_POLICY_ID] } } }),
    },
  );
}
