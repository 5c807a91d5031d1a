import { randomUUID } from 'node:crypto';
import { PipelinePolicy } from './pipeline';

export const REQUEST_ID_HEADER = 'MS-RequestId';

/**
 * MS-RequestId is Partner Center's idempotency key: stamped once per logical call, outside the retry policy,
 * so every retry of that call carries the same value and Partner Center applies a repeated PATCH once.
 */
export function requestIdPolicy(): PipelinePolicy {
  return {
    name: 'requestId',
    sendRequest(request, next) {
      request.headers[REQUEST_ID_HEADER] ??= randomUUID();
      return next(request);
    },
  };
}
