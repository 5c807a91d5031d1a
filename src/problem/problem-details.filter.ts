import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { currentCorrelationId } from '../request-context/request-context';
import { describeFailure } from './failure';
import { PROBLEM_CONTENT_TYPE, toProblemDetails } from './problem-details';

/**
 * Answers every failure of a REST request — handler errors, unknown routes, Fastify's body errors — as
 * `application/problem+json`. GraphQL errors are handed back untouched: `formatError` renders those.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  constructor(private readonly options: { bodyLimitBytes?: number } = {}) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<string>() !== 'http') return exception;

    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const failure = describeFailure(exception);
    const correlationId = request.correlationId || currentCorrelationId();
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
    const problem = toProblemDetails(failure, correlationId);
    if (problem.retryAfterSeconds !== undefined)
      reply.header('Retry-After', String(problem.retryAfterSeconds));
    // A claims challenge (MFA, Conditional Access) in the form MSAL clients look for (RFC 6750 + Entra's claims).
    if (problem.claims !== undefined && !reply.hasHeader('WWW-Authenticate')) {
      reply.header(
        'WWW-Authenticate',
        `Bearer error="insufficient_claims", claims="${Buffer.from(problem.claims).toString('base64')}"`,
      );
    }
    reply.status(problem.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
    return undefined;
  }
}
