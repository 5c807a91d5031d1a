import { randomUUID } from 'node:crypto';
import { PipelinePolicy } from './pipeline';

export const CORRELATION_ID_HEADER = 'MS-CorrelationId';

/** Carries the inbound request's correlation id to Partner Center, so both logs group the same operation. */
export function correlationPolicy(): PipelinePolicy {
  return {
    name: 'correlation',
    sendRequest(request, next) {
      request.headers[CORRELATION_ID_HEADER] ??= request.context?.correlationId ?? randomUUID();
      return next(request);
    },
  };
}
