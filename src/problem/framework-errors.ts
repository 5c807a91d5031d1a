import { HttpException } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { API_RESPONSE_HEADERS } from '../common/http/api-response-headers';
import { CORRELATION_HEADER, correlationIdOfRequest } from '../request-context/request-context.hook';
import { echoClientValue } from './client-value';
import { describeFailure } from './failure';
import { PROBLEM_CONTENT_TYPE, toProblemDetails } from './problem-details';

/**
 * Fastify's `frameworkErrors`: a URL it cannot decode (`/%zz`) or a path parameter past its length limit is refused
 * by the router before any hook or Nest filter runs, in Fastify's own JSON shape. This answers them as problem+json
 * (400 BAD_USER_INPUT) with a correlation id and the API's security headers (no onSend hook runs for them) instead,
 * like every other refusal.
 */
export function frameworkErrorHandler(
  countRefusal: (status: number, reason: string) => void = () => undefined,
  /** The CORS headers for this answer (hardening/cors.hook.ts), since no onSend hook adds them. */
  corsOf: (request: FastifyRequest) => Record<string, string> = () => ({}),
) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    countRefusal(400, /^FST_ERR_[A-Z_]{1,40}$/.test(error.code ?? '') ? error.code : 'other');
    answerFrameworkError(error, request, reply, corsOf(request));
  };
}

function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  cors: Record<string, string>,
): void {
  const correlationId = correlationIdOfRequest(request.raw);
  const failure = describeFailure(new HttpException(frameworkErrorDetail(error, request.url), 400));
  void reply
    .status(400)
    .headers(API_RESPONSE_HEADERS)
    .headers(cors)
    .header(CORRELATION_HEADER, correlationId)
    .header('Content-Type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(toProblemDetails(failure, correlationId)));
}

/** Fastify's messages quote the whole path; the answer quotes only its start. */
function frameworkErrorDetail(error: FastifyError, url: string): string {
  const path = `'${echoClientValue(url.split('?')[0])}'`;
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return `${path} is not a valid URL: it cannot be decoded.`;
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return `${path} has a path segment that is too long.`;
    default:
      return `${path} cannot be routed.`;
  }
}
