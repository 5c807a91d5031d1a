import type { SandboxReply, SandboxRequest } from '../http/exchange';
import { resolveTenant, type SandboxAuthority } from './authority';
import { authenticateClient } from './client-authentication';
import type { ClientRegistry } from './client-registry';
import { entraErrors } from './entra-errors';
import { clientCredentialsGrant } from './grants/client-credentials';
import { onBehalfOfGrant } from './grants/on-behalf-of';
import type { TokenLedger } from './token-ledger';

const CLIENT_CREDENTIALS = 'client_credentials';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface TokenEndpointDeps {
  authority: SandboxAuthority;
  registry: ClientRegistry;
  ledger: TokenLedger;
}

/** POST /{tenant}/oauth2/v2.0/token: checks, in Entra's order, tenant, grant type, client, then the grant itself. */
export async function handleTokenRequest(
  request: SandboxRequest,
  tenantSegment: string,
  deps: TokenEndpointDeps,
): Promise<SandboxReply> {
  const form = new URLSearchParams(request.body);
  const tenant = resolveTenant(deps.authority, tenantSegment);
  if (tenant === 'unknown') return entraErrors.tenantNotFound(tenantSegment);
  const grantType = form.get('grant_type');
  if (!grantType) return entraErrors.missingParameter('grant_type');
  if (grantType !== CLIENT_CREDENTIALS && grantType !== JWT_BEARER)
    return entraErrors.unsupportedGrant(grantType);
  // An app-only token must say which tenant it is for; a user assertion already does.
  if (tenant === 'multi-tenant' && grantType === CLIENT_CREDENTIALS) return entraErrors.noTenantInRequest();

  const authenticated = await authenticateClient(form, deps.registry, deps.authority, tenantSegment);
  if ('error' in authenticated) return authenticated.error;
  return grantType === CLIENT_CREDENTIALS
    ? clientCredentialsGrant(form, authenticated.client, deps.authority, deps.ledger)
    : onBehalfOfGrant(form, authenticated.client, deps.authority, deps.ledger);
}
