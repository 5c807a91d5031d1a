import { currentCorrelation } from '../correlation/correlation-context';

/** Who is calling the gateway, from a validated bearer token (or the sandbox's built-in identity). */
export interface Caller {
  /** `sub` of the token. */
  subject: string;
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

/** The caller of the current request, once inbound authentication has run. */
export function currentCaller(): Caller | undefined {
  return currentCorrelation()?.caller;
}

/** Records the authenticated caller in the request's async context (the same store as the correlation id). */
export function setCurrentCaller(caller: Caller): void {
  const context = currentCorrelation();
  if (context) context.caller = caller;
}
