import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isClientAbort } from '../request-context/client-abort';
import { urlForLog } from '../common/secret-text';
import { echoClientValue } from './client-value';
import { describeFailure } from './failure';
import { FAILURE_MAPPING } from './failure-mapping';
import { graphqlErrorFromFailure } from './graphql-error';
import { graphqlAnswerMediaType } from './graphql-media-type';
import { PROBLEM_CONTENT_TYPE, toProblemDetails } from './problem-details';
import { decodedComponent } from '../common/uri-component';

/**
 * Answers every failure of a REST request — handler errors, unknown routes, Fastify's body errors — as
 * `application/problem+json`. GraphQL errors are handed back untouched: `formatError` renders those. A request to
 * `/graphql` refused before Apollo saw it (body too large, not JSON, past the JSON limits, wrong media type) gets a
 * GraphQL-shaped answer, `{"errors":[…]}` with the same codes: GraphQL clients read `errors`, not problem+json.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  constructor(private readonly options: { bodyLimitBytes?: number; graphqlPath?: string } = {}) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<string>() !== 'http') return exception;

    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const failure = describeFailure(exception);
    const correlationId = request.correlationId;
    if (isClientAbort(request.raw, reply.raw)) {
      // Reading the body failed because the client went away: nobody to answer, nothing went wrong here. The path
      // only: a query string can carry a token or a signature.
      this.logger.debug(`Client closed the connection during ${request.method} ${request.url.split('?')[0]}`);
      return undefined;
    }
    if (failure.unexpected) {
      // The caller only sees a generic detail; the cause goes to the log, under the same correlation id.
      const stack = exception instanceof Error ? exception.stack : String(exception);
      this.logger.error(
        `Unexpected error on ${request.method} ${request.routeOptions?.url ?? 'unknown route'} (correlation ${correlationId})`,
        stack,
      );
    }
    if (reply.sent) return undefined;

    if (failure.kind === 'payload-too-large' && this.options.bodyLimitBytes !== undefined) {
      failure.detail = `The request body is larger than ${this.options.bodyLimitBytes} bytes.`;
    }
    // Nest's "Cannot GET <url>" would quote a 5 KB path whole, and the values of its query (`?access_token=`).
    if (failure.kind === 'route-not-found' && request.is404) {
      failure.detail = `Cannot ${request.method} ${echoClientValue(urlForLog(request.url))}`;
    }
    // The route the request reached, not its raw path: `/%67raphql` and `/graphql/` are answered by GraphQL too.
    if (this.options.graphqlPath !== undefined && routedPath(request) === this.options.graphqlPath) {
      if (failure.retryAfterSeconds !== undefined)
        reply.header('Retry-After', String(failure.retryAfterSeconds));
      reply
        .status(failure.status ?? FAILURE_MAPPING[failure.kind].status)
        .header('Content-Type', graphqlAnswerMediaType(request.headers.accept))
        .send(JSON.stringify({ errors: [graphqlErrorFromFailure(failure, correlationId)] }));
      return undefined;
    }
    const problem = toProblemDetails(failure, correlationId);
    if (problem.retryAfterSeconds !== undefined)
      reply.header('Retry-After', String(problem.retryAfterSeconds));
    // A claims challenge (MFA, Conditional Access) in the form MSAL clients look for (RFC 6750 + Entra's claims).
    if (problem.claims !== undefined && !reply.hasHeader('WWW-Authenticate')) {
      reply.header(
        'WWW-Authenticate',
        `Bearer error="insufficient_claims", claims="${Buffer.from(problem.claims).toString('base64')}"`,
      );
    } else if (problem.status === 401 && !reply.hasHeader('WWW-Authenticate')) {
      // Entra ID refused the user's token in the on-behalf-of exchange: the client renews its token (RFC 6750).
      // Any other 401 (Partner Center refused the gateway's token even after a fresh one) still names the scheme
      // it wants: RFC 9110 requires the header on every 401.
      reply.header(
        'WWW-Authenticate',
        problem.partnerCenter?.source === 'entra-id' ? 'Bearer error="invalid_token"' : 'Bearer',
      );
    }
    reply.status(problem.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
    return undefined;
  }
}

/**
 * The route Fastify matched, read only on a failure (the getter builds an object); for a method the path lacks (no
 * route matched), the path itself, decoded as the router decodes it.
 */
function routedPath(request: FastifyRequest): string | undefined {
  if (!request.is404) return request.routeOptions?.url;
  const path = request.url.split('?')[0];
  return decodedComponent(path) ?? path;
}
