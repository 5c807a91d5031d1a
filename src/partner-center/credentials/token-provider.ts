import { ConfidentialClientApplication, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { PARTNER_CENTER_RESOURCE } from '../clouds';
import { PartnerCenterError } from '../errors/partner-center-error';
import { AccessTokenSource } from '../pipeline/bearer-token.policy';
import { DEFAULT_TOKEN_CYCLER_OPTIONS, HeldToken, TokenCycler, TokenCyclerOptions } from './token-cycler';

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
 * App-only Partner Center tokens (client credentials), held and renewed by a TokenCycler rather than looked up in
 * MSAL's cache on every call. MSAL is asked only when a token is due (`skipCache`: the cycler decided), and after a
 * 429/5xx or no answer from the token endpoint the MSAL application is rebuilt: the same object would replay that
 * failure for up to 60 s without calling out, turning a two-second blip into a minute of refusals.
 */
export class TokenProvider implements AccessTokenSource {
  private application?: ConfidentialClientApplication;
  private readonly cycler: TokenCycler;

  constructor(
    private readonly createApplication: () => ConfidentialClientApplication,
    private readonly scope: string = APP_ONLY_SCOPE,
    cyclerOptions: TokenCyclerOptions = DEFAULT_TOKEN_CYCLER_OPTIONS,
  ) {
    this.cycler = new TokenCycler(() => this.acquire(), cyclerOptions);
  }

  getToken(options: { forceRefresh?: boolean } = {}): Promise<string> {
    return this.cycler.getToken(options);
  }

  hasUsableToken(): boolean {
    return this.cycler.hasUsableToken();
  }

  private async acquire(): Promise<HeldToken> {
    this.application ??= this.createApplication();
    try {
      const result = await this.application.acquireTokenByClientCredential({
        scopes: [this.scope],
        skipCache: true,
      });
      if (!result?.accessToken || !result.expiresOn) throw new Error('MSAL returned no access token');
      return { token: result.accessToken, expiresOnMs: result.expiresOn.getTime() };
    } catch (error) {
      const failure = tokenFailure(error);
      if (failure.kind !== 'rejected') this.application = undefined; // no replay of a throttled or failed answer
      throw failure;
    }
  }
}

/** Turns an MSAL failure into the gateway's vocabulary, keeping Entra's error code but never its raw request. */
export function tokenFailure(error: unknown): PartnerCenterError {
  if (error instanceof PartnerCenterError) return error;
  if (error instanceof InteractionRequiredAuthError) {
    return new PartnerCenterError({
      kind: 'unauthenticated',
      source: 'entra-id',
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
      source: 'entra-id',
      status,
      code: error.errorCode || undefined,
      description: firstLine(error.errorMessage),
      attempts: 1,
    });
  }
  return new PartnerCenterError(
    { kind: 'unavailable', source: 'entra-id', attempts: 1 },
    'Entra ID could not be reached for a Partner Center token',
  );
}

/** Entra's descriptions run on with trace and correlation ids; the first line is the useful part. */
function firstLine(message: string | undefined): string | undefined {
  const line = message?.split(/\r?\n/)[0]?.trim();
  return line ? line.slice(0, 300) : undefined;
}
