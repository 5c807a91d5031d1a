import { unwrapResolverError } from '@apollo/server/errors';
import { Logger } from '@nestjs/common';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { FastifyRequest } from 'fastify';
import { scrubSecrets } from '../common/secret-text';
import { describeFailure } from '../problem/failure';
import { graphqlErrorFromFailure } from '../problem/graphql-error';
import { type GatewayListener, SETTLED } from './listener-plugin';

const logger = new Logger('GraphQL');

/**
 * Apollo `formatError`: resolver failures become the gateway's stable codes (the same table as REST); the correlation
 * id is added to every error where the request is known (graphql-correlation.hook.ts). Errors graphql-js or Apollo
 * raised themselves (parse, validation, variable coercion: BAD_USER_INPUT) keep their code. Stack traces only leave the gateway outside production.
 * With `hideSchemaDetails` (introspection off), their "Did you mean …?" suggestions are cut: Apollo's
 * hideSchemaDetailsFromClientErrors cuts them from validation errors only, not from variable coercion errors
 * (Apollo does not hand graphql-js's own hideSuggestions to execute).
 */
export function createGraphqlErrorFormatter(options: { production: boolean; hideSchemaDetails?: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const stacktrace = options.production ? undefined : formatted.extensions?.stacktrace;

    if (original instanceof GraphQLError) {
      const { stacktrace: _dropped, ...extensions } = formatted.extensions ?? {};
      // graphql-js and Apollo quote the client's value whole ('got invalid value "eyJ…"', 'Unknown operation named
      // "…"'): a token pasted into a variable, the query or the operation name would come back, in the message and its
      // stack, to every proxy, APM agent and browser console that keeps answers.
      const message = scrubSecrets(
        options.hideSchemaDetails ? withoutSuggestions(formatted.message) : formatted.message,
      );
      const trace = Array.isArray(stacktrace)
        ? stacktrace.map((line) => scrubSecrets(String(line)))
        : stacktrace;
      return {
        ...formatted,
        message,
        extensions: { ...extensions, ...(trace !== undefined && { stacktrace: trace }) },
      };
    }

    const rendered = graphqlErrorFromFailure(describeFailure(original), undefined);
    return {
      ...rendered,
      ...(formatted.locations && { locations: formatted.locations }),
      ...(formatted.path && { path: formatted.path }),
      extensions: { ...rendered.extensions, ...(stacktrace !== undefined && { stacktrace }) },
    };
  };
}

/** graphql-js ends a message with its suggestions (`… Did you mean "amount"?`); the same pattern Apollo cuts. */
function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean(.+?)\?$/, '');
}

/**
 * Logs what failed unexpectedly in a GraphQL operation (the caller sees only a generic INTERNAL_SERVER_ERROR), with
 * the stack and the request's correlation id: an Apollo hook, because formatError does not know the request.
 */
export function unexpectedErrorsListener(): GatewayListener {
  return {
    didEncounterErrors({ errors, contextValue }) {
      const correlationId = (contextValue as { req?: FastifyRequest }).req?.correlationId;
      for (const error of errors) {
        const original = unwrapResolverError(error);
        if (original instanceof GraphQLError || !describeFailure(original).unexpected) continue;
        logger.error(
          `Unexpected error in ${error.path?.join('.') ?? 'a GraphQL operation'} (correlation ${correlationId})`,
          original instanceof Error ? original.stack : String(original),
        );
      }
      return SETTLED;
    },
  };
}
