import { withoutEchoes } from '../../common/secret-echoes';
import type { Caller } from '../../request-context/caller';
import { CallState, PipelinePolicy, PipelineResponse } from './pipeline';

export interface AccessTokenSource {
  /**
   * A Partner Center access token; `forceRefresh` skips every cache. `caller`: the inbound caller whose own token an
   * on-behalf-of exchange needs (app+user mode); the app's token ignores it.
   */
  getToken(options?: { forceRefresh?: boolean; caller?: Caller }): Promise<string>;
  /** The token getToken would answer at once, when one is held (no promise on the usual path). */
  heldToken?(): string | undefined;
}

/**
 * Signs each attempt; it runs inside the retry policy (as in Azure's core-rest-pipeline), so getting a token is
 * part of an attempt, under the same attempt count, timeout and deadline. A 401 means Partner Center no longer
 * accepts a token the cache still holds (revoked, clock skew): the call is marked, the retry policy gives it one
 * more attempt (`retryableTokenRejection`), and that attempt asks for a fresh token. A second 401 is the answer.
 */
export function bearerTokenPolicy(tokens: AccessTokenSource): PipelinePolicy {
  return {
    name: 'bearerToken',
    sendRequest(request, next) {
      const forceRefresh = request.state.tokenRejections === 1 && !request.state.tokenRefreshed;
      if (forceRefresh) request.state.tokenRefreshed = true;
      const signAndSend = (token: string) => {
        request.headers['Authorization'] = `Bearer ${token}`;
        return next(request).then((response) => {
          if (response.status === 401)
            request.state.tokenRejections = (request.state.tokenRejections ?? 0) + 1;
          return withoutToken(response, token);
        });
      };
      // Written with then() rather than await: this runs on every attempt, and each await is one more promise.
      const held = forceRefresh ? undefined : tokens.heldToken?.();
      if (held !== undefined) return signAndSend(held);
      const caller = request.context?.caller;
      return tokens
        .getToken({ ...(forceRefresh && { forceRefresh }), ...(caller && { caller }) })
        .then(signAndSend);
    },
  };
}

/** A 401 is worth one more attempt, with a fresh token, when it is the first the bearer policy saw in this call. */
export function retryableTokenRejection(status: number, state: CallState): boolean {
  return status === 401 && state.tokenRejections === 1;
}

/**
 * An error answer that quotes the token it was sent ("the token … is not valid") would hand it on, in the error's
 * description, to the caller and the logs. The text scrubbers know tokens by their shape (a JWT, "Bearer …"); this
 * policy knows the very token, whatever its shape, and cuts it in the shapes a proxy or an error page quotes it in
 * too (base64'd into a blob, URL-encoded: a token that is no JWT is no recognisable shape once encoded). Only error
 * answers are searched: a budget quotes nothing back.
 */
function withoutToken(response: PipelineResponse, token: string): PipelineResponse {
  if (response.status < 300) return response;
  const body = withoutEchoes(response.body, [token]);
  return body === response.body ? response : { ...response, body };
}
