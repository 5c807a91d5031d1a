import { AuthenticationResult, ConfidentialClientApplication } from '@azure/msal-node';
import { createHash } from 'node:crypto';
import type { Caller } from '../../request-context/caller';
import { PARTNER_CENTER_RESOURCE } from '../clouds';
import { SingleFlight } from '../../common/single-flight';
import { PartnerCenterError } from '../errors/partner-center-error';
import { AccessTokenSource } from '../pipeline/bearer-token.policy';
import type { EntraIdWaits } from './entra-id-waits';
import { tokenFailure } from './token-provider';

export const USER_IMPERSONATION_SCOPE = `${PARTNER_CENTER_RESOURCE}/user_impersonation`;

/**
 * App+user mode: the caller's own token is exchanged on-behalf-of for a Partner Center `user_impersonation` token,
 * so Partner Center sees and audits the signed-in user. MSAL caches OBO tokens per assertion; concurrent cold
 * calls of one user share a single exchange. An MFA or consent demand surfaces as `unauthenticated` with claims.
 * As with app tokens, the MSAL application is rebuilt after a throttled, failed or unanswered exchange.
 */
export class OnBehalfOfTokenProvider implements AccessTokenSource {
  private readonly inFlight = new SingleFlight<AuthenticationResult>();
  private application?: ConfidentialClientApplication;

  constructor(
    private readonly createApplication: () => ConfidentialClientApplication,
    private readonly waits?: EntraIdWaits,
  ) {}

  async getToken(options: { forceRefresh?: boolean; caller?: Caller } = {}): Promise<string> {
    const assertion = options.caller?.token;
    if (!assertion) {
      throw new PartnerCenterError({
        kind: 'unauthenticated',
        source: 'entra-id',
        code: 'user_assertion_missing',
        description: "app+user mode calls Partner Center as the signed-in user: send the user's bearer token",
        attempts: 1,
      });
    }
    const forceRefresh = options.forceRefresh === true;
    // Keyed by a hash: the assertion itself is a secret and must not sit in a map key that could be dumped.
    const key = `${createHash('sha256').update(assertion).digest('base64url')}|${forceRefresh}`;
    return (await this.inFlight.run(key, () => this.exchange(assertion, forceRefresh))).accessToken;
  }

  private async exchange(assertion: string, forceRefresh: boolean): Promise<AuthenticationResult> {
    this.application ??= this.createApplication();
    try {
      const result = await this.application.acquireTokenOnBehalfOf({
        oboAssertion: assertion,
        scopes: [USER_IMPERSONATION_SCOPE],
        skipCache: forceRefresh,
      });
      if (!result?.accessToken) throw new Error('MSAL returned no access token');
      return result;
    } catch (error) {
      const failure = tokenFailure(error, this.waits?.take(), this.waits?.takeRefusal());
      // After a 429/5xx or no answer, the same MSAL application would replay that failure to every user for up to
      // 60 s without calling out: a new one asks Entra ID again (its users' cached tokens are exchanged once more).
      if (failure.kind !== 'rejected' && failure.kind !== 'unauthenticated') this.application = undefined;
      // invalid_grant to an on-behalf-of exchange: Entra ID refused the user's own token (expired, revoked, for
      // another audience), which the gateway accepted within its clock tolerance. The caller's to renew: 401, not a
      // refusal of the gateway (502).
      if (failure.kind === 'rejected' && failure.code === 'invalid_grant')
        throw new PartnerCenterError({ ...failure, kind: 'unauthenticated' }, failure.message);
      throw failure;
    }
  }
}
