import { unwrapResolverError } from '@apollo/server/errors';
import { Logger } from '@nestjs/common';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { currentCorrelationId } from '../request-context/request-context';
import { describeFailure } from '../problem/failure';
import { FAILURE_MAPPING } from '../problem/failure-mapping';

const logger = new Logger('GraphQL');

/**
 * Apollo `formatError`: resolver failures become the gateway's stable codes (the same table as REST), and
 * every error gets the correlation id. Errors graphql-js or Apollo raised themselves (parse, validation,
 * variable coercion: BAD_USER_INPUT) keep their code. Stack traces only leave the gateway outside production.
 */
export function createGraphqlErrorFormatter(options: { production: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const correlationId = currentCorrelationId();
    const original = unwrapResolverError(error);
    const stacktrace = options.production ? undefined : formatted.extensions?.stacktrace;

    if (original instanceof GraphQLError) {
      const { stacktrace: _dropped, ...extensions } = formatted.extensions ?? {};
      return {
        ...formatted,
        extensions: { ...extensions, ...(stacktrace !== undefined && { stacktrace }), correlationId },
      };
    }

    const failure = describeFailure(original);
    if (failure.unexpected) {
      logger.error(
        `Unexpected error in ${formatted.path?.join('.') ?? 'a GraphQL operation'} (correlation ${correlationId})`,
        original instanceof Error ? original.stack : String(original),
      );
    }
    return {
      message: failure.detail,
      ...(formatted.locations && { locations: formatted.locations }),
      ...(formatted.path && { path: formatted.path }),
      extensions: {
        code: FAILURE_MAPPING[failure.kind].code,
        correlationId,
        ...(failure.errors && { errors: failure.errors }),
        ...(failure.partnerCenter && { partnerCenter: failure.partnerCenter }),
        ...(failure.retryAfterSeconds !== undefined && { retryAfterSeconds: failure.retryAfterSeconds }),
        ...(failure.claims !== undefined && { claims: failure.claims }),
        ...(failure.idempotencyKey !== undefined && { idempotencyKey: failure.idempotencyKey }),
        ...(stacktrace !== undefined && { stacktrace }),
      },
    };
  };
}
