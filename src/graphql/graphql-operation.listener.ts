import type { FastifyRequest } from 'fastify';
import { type GatewayListener, SETTLED } from './listener-plugin';
import { rootFields } from './root-fields';

/**
 * Names the request's operation for logs, metrics and the server span: the GraphQL operation type and its
 * top-level fields (`query customerUsageBudget`), stable across clients; the client's operation name is kept apart.
 * Read once from the resolved operation (an Apollo hook), not per resolver call: a Nest interceptor costs an rxjs
 * pipeline on every resolver of every request.
 */
export function graphqlOperationListener(): GatewayListener {
  return {
    didResolveOperation({ operation, operationName, document, contextValue }) {
      const requestContext = (contextValue as { req?: FastifyRequest }).req?.requestContext;
      if (!requestContext || !operation) return SETTLED;
      // Its own fields, once each, in order; introspection (`__schema`, `__typename`) is not an operation.
      const fields = [...new Set(rootFields(operation, document).map((field) => field.name.value))].filter(
        (name) => !name.startsWith('__'),
      );
      if (fields.length > 0)
        requestContext.operation = fields.map((field) => `${operation.operation} ${field}`).join(', ');
      requestContext.graphqlOperationName ??= operationName ?? undefined;
      return SETTLED;
    },
  };
}
