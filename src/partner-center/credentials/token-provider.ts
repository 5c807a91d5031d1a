import { ConfidentialClientApplication, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { PARTNER_CENTER_RESOURCE } from '../clouds';
import { PartnerCenterError } from '../errors/partner-center-error';
import { AccessTokenSource } from '../pipeline/bearer-token.policy';
import type { SharedState } from '../../shared-state/shared-state';
import type { EntraIdWaits, MetadataRefusal } from './entra-id-waits';
import { UpstreamCircuit } from '../pipeline/circuit-breaker.policy';
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
 * MSAL's cache on every call, and shared by the fleet: a renewed token is stored (with its expiry) in the shared
 * state, and a short lock makes one replica ask Entra ID while the others take its token. MSAL is asked only when a
 * token is due (`skipCache`: the cycler decided), and after a 429/5xx or no answer from the token endpoint the MSAL
 * application is rebuilt: the same object would replay that failure for up to 60 s without calling out, turning a
 * two-second blip into a minute of refusals.
 */
export class TokenProvider implements AccessTokenSource {
  private application?: ConfidentialClientApplication;
  private readonly cycler: TokenCycler;
  private readonly sharedKey: string;
  private lastToken?: string;
  private readonly observeRequest: (request: () => Promise<SharedToken>) => Promise<SharedToken>;

  constructor(
    private readonly createApplication: () => ConfidentialClientApplication,
    private readonly shared: SharedState,
    credentialKey: string,
    private readonly scope: string = APP_ONLY_SCOPE,
    cyclerOptions: TokenCyclerOptions = DEFAULT_TOKEN_CYCLER_OPTIONS,
    private readonly circuit?: UpstreamCircuit,
    private readonly waits?: EntraIdWaits,
  ) {
    this.sharedKey = `token:${credentialKey}:${scope}`;
    // The observer counts and traces this replica's own requests to Entra ID, not the cycler's renewals: a renewal
    // that takes the token another replica obtained is no acquisition, or every replica would count each token.
    const { observer } = cyclerOptions;
    this.observeRequest = observer ? (request) => observer.acquisition(request) : (request) => request();
    this.cycler = new TokenCycler(
      async () => {
        const token = await this.acquire();
        this.lastToken = token.token;
        return token;
      },
      {
        ...cyclerOptions,
        observer: observer && {
          acquisition: (acquire) => acquire(),
          servedHeld: () => observer.servedHeld(),
        },
      },
    );
  }

  getToken(options: { forceRefresh?: boolean } = {}): Promise<string> {
    return this.cycler.getToken(options);
  }

  heldToken(): string | undefined {
    return this.cycler.heldToken();
  }

  hasUsableToken(): boolean {
    return this.cycler.hasUsableToken();
  }

  /** The fleet's token when another replica renewed it recently; else this replica renews it, under the lock. */
  private async acquire(): Promise<SharedToken> {
    const current = await this.sharedToken();
    if (current && !this.heldAlready(current)) return current;
    const lock = `${this.sharedKey}:lock`;
    if (await this.shared.tryLock(lock, RENEWAL_LOCK_MS)) {
      try {
        const fresh = await this.fromEntraId();
        await this.shared.set(this.sharedKey, JSON.stringify(fresh), fresh.expiresOnMs - Date.now());
        return fresh;
      } finally {
        await this.shared.delete(lock);
      }
    }
    for (let waited = 0; waited < RENEWAL_WAIT_MS; waited += RENEWAL_POLL_MS) {
      await new Promise((resolve) => setTimeout(resolve, RENEWAL_POLL_MS));
      const renewed = await this.sharedToken();
      if (renewed && !this.heldAlready(renewed)) return renewed;
    }
    return this.fromEntraId(); // the replica holding the lock is slow or failed: do not wait on it any longer
  }

  /** A shared token is worth taking while it is in the first half of its life (not due for renewal yet). */
  private async sharedToken(): Promise<SharedToken | undefined> {
    const raw = await this.shared.get(this.sharedKey);
    if (!raw) return undefined;
    try {
      const token = JSON.parse(raw) as SharedToken;
      const now = Date.now();
      return now < token.expiresOnMs - (token.expiresOnMs - token.acquiredAtMs) / 2 ? token : undefined;
    } catch {
      return undefined;
    }
  }

  /** The token being replaced (due, or refused with a 401) is never taken back from the shared state. */
  private heldAlready(token: SharedToken): boolean {
    return this.lastToken === token.token;
  }

  /**
   * Without a usable token, each token request passes Entra ID's circuit, so callers fail at once while Entra ID is
   * down. A renewal while a token is still held does not: the cycler already spaces those out, and an open circuit
   * must not keep refusing renewals after Entra ID is back until the held token has expired.
   */
  private fromEntraId(): Promise<SharedToken> {
    const guarded = this.circuit && !this.cycler.hasUsableToken();
    return guarded ? this.circuit!.execute(() => this.requestToken()) : this.requestToken();
  }

  private requestToken(): Promise<SharedToken> {
    return this.observeRequest(() => this.requestFromEntraId());
  }

  private async requestFromEntraId(): Promise<SharedToken> {
    this.application ??= this.createApplication();
    const acquiredAtMs = Date.now();
    try {
      const result = await this.application.acquireTokenByClientCredential({
        scopes: [this.scope],
        skipCache: true,
      });
      if (!result?.accessToken || !result.expiresOn) throw new Error('MSAL returned no access token');
      return {
        token: result.accessToken,
        expiresOnMs: result.expiresOn.getTime(),
        ...(result.refreshOn && { refreshOnMs: result.refreshOn.getTime() }),
        acquiredAtMs,
      };
    } catch (error) {
      const failure = tokenFailure(error, this.waits?.take(), this.waits?.takeRefusal());
      if (failure.kind !== 'rejected') this.application = undefined; // no replay of a throttled or failed answer
      throw failure;
    }
  }
}

/** A token as the fleet shares it: never logged; stored only until it expires. */
interface SharedToken extends HeldToken {
  acquiredAtMs: number;
}

const RENEWAL_LOCK_MS = 15_000;
const RENEWAL_WAIT_MS = 3_000;
const RENEWAL_POLL_MS = 100;

/** Turns an MSAL failure into the gateway's vocabulary, keeping Entra's error code but never its raw request. */
export function tokenFailure(
  error: unknown,
  retryAfterSeconds?: number,
  refusedMetadata?: MetadataRefusal,
): PartnerCenterError {
  if (error instanceof PartnerCenterError) return error;
  // MSAL says only that it could not resolve the authority; Entra ID said why (a tenant it does not know).
  if (refusedMetadata && (error as { errorCode?: unknown })?.errorCode === 'endpoints_resolution_error') {
    return new PartnerCenterError({
      kind: 'rejected',
      source: 'entra-id',
      status: refusedMetadata.status,
      code: refusedMetadata.code,
      description: firstLine(refusedMetadata.description),
      attempts: 1,
    });
  }
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
    const clientError = refusal(error.errorCode, status);
    return new PartnerCenterError({
      kind: clientError ? 'rejected' : throttled ? 'rate-limited' : 'unavailable',
      source: 'entra-id',
      status,
      code: error.errorCode || undefined,
      description: firstLine(entraDescription(error.errorMessage)),
      attempts: 1,
      ...(!clientError && retryAfterSeconds !== undefined && { retryAfterSeconds }),
    });
  }
  return new PartnerCenterError(
    { kind: 'unavailable', source: 'entra-id', attempts: 1 },
    'Entra ID could not be reached for a Partner Center token',
  );
}

/**
 * Whether Entra ID's error is a refusal no retry fixes. By the status when there is one: any 4xx but 408 and 429 (an
 * invalid_resource, AADSTS500011, is no outage), and an answer that is no token at all; 5xx, 408 and 429 are
 * outages and throttling whatever their code says. Without a status, by the OAuth code.
 */
function refusal(code: string, status: number | undefined): boolean {
  if (status === undefined) return CLIENT_ERRORS.has(code);
  if (status >= 500 || status === 408 || status === 429) return false;
  return code !== 'temporarily_unavailable';
}

/**
 * Entra ID's error_description out of MSAL's message, which wraps it: "Error(s): 7000222 - Timestamp: … -
 * Description: AADSTS7000222: … - Correlation ID: … - Trace ID: …". Without it the code names the failure.
 */
function entraDescription(message: string | undefined): string | undefined {
  const described = /\bDescription: ([\s\S]*?)(?: - Correlation ID: [^\n]*)?$/.exec(message ?? '');
  if (!described) return message;
  return described[1].trim() === 'Not Available' ? undefined : described[1];
}

/** Entra's descriptions run on with trace and correlation ids; the first line is the useful part. */
function firstLine(message: string | undefined): string | undefined {
  const line = message?.split(/\r?\n/)[0]?.trim();
  return line ? line.slice(0, 300) : undefined;
}
