import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { isGuid } from '../common/guid';
import { correlationIdFrom, localeFrom, type RequestContext } from './request-context';

export const CORRELATION_HEADER = 'MS-CorrelationId';

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
    /** This request's context (request-context.ts), set before anything else runs. */
    requestContext: RequestContext | null;
  }
}

/** Fastify's `genReqId`: the request id is the correlation id (the caller's GUID, or a new one). */
export function correlationIdOfRequest(raw: IncomingMessage): string {
  return correlationIdFrom(raw.headers['ms-correlationid'], raw.headers['x-correlation-id']);
}

/**
 * Opens the request context for every request before anything else runs, so the correlation id reaches resolvers,
 * the Partner Center client and every log line, and is on every response, errors and 404s included.
 */
export function registerRequestContextHook(fastify: FastifyInstance): void {
  fastify.decorateRequest('correlationId', '');
  fastify.decorateRequest('requestContext', null);
  fastify.addHook('onRequest', (request, reply, done) => {
    // With correlationIdOfRequest as Fastify's genReqId, the request id already is the correlation id.
    const correlationId = isGuid(request.id) ? request.id : correlationIdOfRequest(request.raw);
    request.correlationId = correlationId;
    reply.header(CORRELATION_HEADER, correlationId);
    request.requestContext = {
      correlationId,
      request: { method: request.method, url: request.url },
      locale: localeFrom(request.headers['x-locale']),
    };
    done();
  });
}
