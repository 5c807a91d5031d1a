import {
  AuthenticationResult,
  ConfidentialClientApplication,
  InteractionRequiredAuthError,
  ServerError,
} from '@azure/msal-node';
import { PARTNER_CENTER_RESOURCE } from '../clouds';
import { PartnerCenterError } from '../errors/partner-center-error';
import { AccessTokenSource } from '../pipeline/bearer-token.policy';

export const APP_ONLY_SCOPE = `${PARTNER_CENTER_RESOURCE}/.default`;

/** OAuth errors that mean "what you sent is wrong", as opposed to "try later". */
const CLIENT_ERRORS = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_request',
  'invalid_grant',
  'invalid_scope',
  'unsupported_grant_type',
  'access_denied',
]);

/**
 * App-only Partner Center tokens from MSAL. MSAL's cache reuses a token until shortly before it expires, but it
 * does not merge concurrent cold calls: without single-flight, 50 requests on an empty cache would make 50 token
 * requests. So one request per tenant and scope is in flight at a time and everyone waiting shares it.
 */
export class TokenProvider implements AccessTokenSource {
  private readonly inFlight = new Map<string, Promise<AuthenticationResult>>();

  constructor(
    private readonly application: ConfidentialClientApplication,
    private readonly tenantId: string,
    private readonly scope: string = APP_ONLY_SCOPE,
  ) {}

  async getToken(options: { forceRefresh?: boolean } = {}): Promise<string> {
    const forceRefresh = options.forceRefresh === true;
    const key = `${this.tenantId}|${this.scope}|${forceRefresh ? 'refresh' : 'cached'}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.acquire(forceRefresh).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return (await pending).accessToken;
  }

  private async acquire(forceRefresh: boolean): Promise<AuthenticationResult> {
    try {
      const result = await this.application.acquireTokenByClientCredential({
        scopes: [this.scope],
        skipCache: forceRefresh,
      });
      if (!result?.accessToken) throw new Error('MSAL returned no access token');
      return result;
    } catch (error) {
      throw tokenFailure(error);
    }
  }
}

/** Turns an MSAL failure into the gateway's vocabulary, keeping Entra's error code but never its raw request. */
export function tokenFailure(error: unknown): PartnerCenterError {
  if (error instanceof PartnerCenterError) return error;
  if (error instanceof InteractionRequiredAuthError) {
    return new PartnerCenterError({
      kind: 'unauthenticated',
      source: 'identity',
      code: error.errorCode,
      description: firstLine(error.errorMessage),
      claims: error.claims || undefined,
      attempts: 1,
    });
  }
  if (error instanceof ServerError) {
    const status = error.status;
    const throttled = status === 429;
    const clientError = CLIENT_ERRORS.has(error.errorCode) && !(status && status >= 500) && !throttled;
    return new PartnerCenterError({
      kind: clientError ? 'rejected' : throttled ? 'rate-limited' : 'unavailable',
      source: 'identity',
      status,
      code: error.errorCode || undefined,
      description: firstLine(error.errorMessage),
      attempts: 1,
    });
  }
  return new PartnerCenterError(
    { kind: 'unavailable', source: 'identity', attempts: 1 },
    'Entra ID could not be reached for a Partner Center token',
  );
}

/** Entra's descriptions run on with trace and correlation ids; the first line is the useful part. */
function firstLine(message: string | undefined): string | undefined {
  const line = message?.split(/\r?\n/)[0]?.trim();
  return line ? line.slice(0, 300) : undefined;
}
