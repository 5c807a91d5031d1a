/**
 * Who is calling the gateway, from a validated bearer token (or the sandbox's built-in identity). Inbound
 * authentication builds it; the use case, the audit trail and the Partner Center module read it.
 */
export interface Caller {
  /** `sub` of the token. */
  subject: string;
  /** The token's issuer (`iss`): with the subject, it names the caller uniquely. */
  issuer?: string;
  /** The calling application (`azp` / `appid`). */
  appId?: string;
  /** The signed-in user (`oid`), for delegated tokens; absent for app identities. */
  userId?: string;
  /** `upn` / `preferred_username` / `name`, for audit readability. */
  userName?: string;
  /** App roles (`roles` claim). */
  roles: string[];
  /** Delegated scopes (`scp` claim, split). */
  scopes: string[];
  /** The raw bearer token: the assertion for on-behalf-of in app+user mode. Never logged. */
  token?: string;
  /** The sandbox's built-in identity for anonymous calls in sandbox mode. */
  anonymous: boolean;
}
