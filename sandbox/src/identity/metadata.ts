import { json, type SandboxReply } from '../http/exchange';
import { resolveTenant, tokenEndpoint, type SandboxAuthority } from './authority';
import { entraErrors } from './entra-errors';

/**
 * GET /{tenant}/v2.0/.well-known/openid-configuration, the document MSAL fetches for an authority listed in
 * knownAuthorities. Its issuer has the sandbox's scheme, host and port, which MSAL 7 checks.
 * For 'common'/'organizations' Entra advertises the issuer with a literal {tenantid} placeholder; so do we.
 */
export function openIdConfiguration(authority: SandboxAuthority, tenantSegment: string): SandboxReply {
  const tenant = resolveTenant(authority, tenantSegment);
  if (tenant === 'unknown') return entraErrors.tenantNotFound(tenantSegment);
  const segment = tenant === 'tenant' ? authority.tenantId : tenantSegment.toLowerCase();
  const base = `${authority.url}/${segment}`;
  return json(200, {
    token_endpoint: tokenEndpoint(authority, segment),
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: tenant === 'tenant' ? authority.issuer : `${authority.url}/{tenantid}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${authority.url}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  });
}

/** GET /{tenant}/discovery/v2.0/keys: the public half of the sandbox's signing key. */
export function jsonWebKeySet(authority: SandboxAuthority, tenantSegment: string): SandboxReply {
  if (resolveTenant(authority, tenantSegment) === 'unknown') return entraErrors.tenantNotFound(tenantSegment);
  return json(200, { keys: [authority.key.jwk] });
}
