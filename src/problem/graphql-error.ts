import { Failure } from './failure';
import { graphqlCode } from './failure-mapping';

/**
 * A failure as a GraphQL error: for resolver failures (above) and for requests refused before Apollo saw them
 * (body too large, not JSON, past the JSON limits), which GraphQL clients also read from `errors`.
 */
export function graphqlErrorFromFailure(failure: Failure, correlationId: string | undefined) {
  return {
    message: failure.detail,
    extensions: {
      code: graphqlCode(failure.kind),
      correlationId,
      ...(failure.errors && { errors: failure.errors }),
      ...(failure.partnerCenter && { partnerCenter: failure.partnerCenter }),
      ...(failure.retryAfterSeconds !== undefined && { retryAfterSeconds: failure.retryAfterSeconds }),
      ...(failure.claims !== undefined && { claims: failure.claims }),
      ...(failure.idempotencyKey !== undefined && { idempotencyKey: failure.idempotencyKey }),
    },
  };
}
