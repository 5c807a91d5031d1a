import { timingSafeEqual } from 'node:crypto';
import type { SandboxReply } from '../http/exchange';
import { tokenEndpoint, type SandboxAuthority } from './authority';
import { rejectClientAssertion } from './client-assertion';
import type { ClientRegistry, RegisteredClient } from './client-registry';
import { entraErrors } from './entra-errors';

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export type ClientAuthentication = { client: RegisteredClient } | { error: SandboxReply };

/** Who is calling the token endpoint: a registered app proving itself with its secret or a certificate assertion. */
export async function authenticateClient(
  form: URLSearchParams,
  registry: ClientRegistry,
  authority: SandboxAuthority,
  tenantSegment: string,
): Promise<ClientAuthentication> {
  const clientId = form.get('client_id');
  if (!clientId) return { error: entraErrors.missingParameter('client_id') };
  const client = registry.find(clientId);
  if (!client) return { error: entraErrors.unknownClient(clientId, authority.tenantId) };

  const secret = form.get('client_secret');
  if (secret !== null) {
    return client.clientSecret !== undefined && sameSecret(secret, client.clientSecret)
      ? { client }
      : { error: entraErrors.invalidSecret(client.clientId) };
  }
  const assertion = form.get('client_assertion');
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION)
      return {
        error: entraErrors.invalidAssertion(`client_assertion_type must be '${JWT_BEARER_ASSERTION}'.`),
      };
    // Entra accepts the assertion for the endpoint it was posted to, by tenant id or by the alias in the URL.
    const audiences = [
      ...new Set([tokenEndpoint(authority, tenantSegment), tokenEndpoint(authority, authority.tenantId)]),
    ];
    const rejection = await rejectClientAssertion(assertion, client, audiences);
    return rejection ? { error: entraErrors.invalidAssertion(rejection) } : { client };
  }
  return { error: entraErrors.missingCredential() };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
