import { PipelinePolicy } from './pipeline';

export const REQUEST_ID_HEADER = 'MS-RequestId';

/**
 * MS-RequestId is Partner Center's idempotency key. It is a field of the logical call (made by the client, or
 * derived from the caller's own key), stamped outside the retry policy so every retry carries the same value and
 * Partner Center applies a repeated PATCH once.
 */
export function requestIdPolicy(): PipelinePolicy {
  return {
    name: 'requestId',
    sendRequest(request, next) {
      request.headers[REQUEST_ID_HEADER] = request.requestId;
      return next(request);
    },
  };
}
