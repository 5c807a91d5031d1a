// OpenID scopes MSAL adds to user flows; they ask for an id_token, not for a resource.
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

/** The resource scopes of a space-separated scope parameter. */
export function resourceScopes(scope: string): string[] {
  return scope.split(' ').filter((s) => s && !OIDC_SCOPES.has(s.toLowerCase()));
}
