import { GraphQLError } from 'graphql';
import { type GatewayListener, SETTLED } from './listener-plugin';

export const OPERATION_NOT_SUPPORTED = 'OPERATION_NOT_SUPPORTED';

const PERSISTED_QUERY_MESSAGE =
  'Persisted queries are not supported: automatic persisted queries are off on this gateway; send the query text.';

/**
 * Requests GraphQL clients get wrong, answered as client errors (a client code, HTTP 400) instead of Apollo's defaults:
 * - a `subscription` would reach execution and fail there as INTERNAL_SERVER_ERROR (the schema has no subscription
 *   type, and the gateway offers no subscription transport): refused once the operation is known, before execution;
 * - PERSISTED_QUERY_NOT_SUPPORTED says why (APQ is off) instead of Apollo's bare class name;
 * - a request refused before execution, without `data` (e.g. PERSISTED_QUERY_NOT_SUPPORTED, which Apollo answers
 *   with 200 for its APQ protocol), gets 400: nothing was executed, and the request was the client's mistake;
 * - an answer with `data` is 200 (partial failures are in `errors`).
 */
export function clientErrorsListener(): GatewayListener {
  return {
    didResolveOperation({ operation }) {
      if (operation?.operation === 'subscription') {
        throw new GraphQLError('Subscriptions are not offered by this gateway: send a query or a mutation.', {
          extensions: { code: OPERATION_NOT_SUPPORTED, http: { status: 400 } },
        });
      }
      return SETTLED;
    },
    willSendResponse({ response }) {
      if (response.body.kind !== 'single') return SETTLED;
      for (const error of response.body.singleResult.errors ?? []) {
        if (error.extensions?.code === 'PERSISTED_QUERY_NOT_SUPPORTED')
          (error as { message: string }).message = PERSISTED_QUERY_MESSAGE;
      }
      const result = response.body.singleResult;
      // Executed (a `data` key, if only null): 200 whatever an error's extensions.http says, so clients read
      // `{ data, errors }` as GraphQL rather than as a transport failure (nestjs/graphql#2940).
      if ('data' in result) response.http.status = 200;
      else if (
        (result.errors?.length ?? 0) > 0 &&
        (response.http.status === undefined || response.http.status === 200)
      ) {
        response.http.status = 400;
      }
      return SETTLED;
    },
  };
}
