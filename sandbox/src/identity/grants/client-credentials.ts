import { APP_ONLY_SCOPE } from '../../defaults';
import { json, type SandboxReply } from '../../http/exchange';
import type { SandboxAuthority } from '../authority';
import type { RegisteredClient } from '../client-registry';
import { entraErrors } from '../entra-errors';
import type { TokenLedger } from '../token-ledger';
import { issueAppToken } from '../tokens';
import { resourceScopes } from './scopes';

/** App-only: the client's own token for Partner Center, only ever for the `.default` scope. */
export async function clientCredentialsGrant(
  form: URLSearchParams,
  client: RegisteredClient,
  authority: SandboxAuthority,
  ledger: TokenLedger,
): Promise<SandboxReply> {
  const scope = form.get('scope') ?? '';
  const requested = resourceScopes(scope);
  if (requested.length !== 1 || requested[0].toLowerCase() !== APP_ONLY_SCOPE)
    return entraErrors.invalidScope(scope);
  const accessToken = await issueAppToken(authority, ledger, client.clientId);
  return json(200, {
    token_type: 'Bearer',
    expires_in: authority.tokenLifetimeSeconds,
    ext_expires_in: authority.tokenLifetimeSeconds,
    access_token: accessToken,
  });
}
