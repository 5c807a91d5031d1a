import { PipelinePolicy } from './pipeline';

export interface AccessTokenSource {
  /** A Partner Center access token; `forceRefresh` skips every cache. */
  getToken(options?: { forceRefresh?: boolean }): Promise<string>;
}

/**
 * Authorization on every call. A 401 means Partner Center no longer accepts a token the cache still holds
 * (revoked, clock skew): refresh once and send once more; a second 401 is the answer.
 */
export function bearerTokenPolicy(tokens: AccessTokenSource): PipelinePolicy {
  return {
    name: 'bearerToken',
    async sendRequest(request, next) {
      request.headers['Authorization'] = `Bearer ${await tokens.getToken()}`;
      const response = await next(request);
      if (response.status !== 401) return response;
      request.headers['Authorization'] = `Bearer ${await tokens.getToken({ forceRefresh: true })}`;
      const retried = await next(request);
      return { ...retried, attempts: (response.attempts ?? 1) + (retried.attempts ?? 1) };
    },
  };
}
