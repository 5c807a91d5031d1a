import type { FastifyInstance } from 'fastify';
import { correlationIdFrom, runInRequestContext } from './request-context';

export const CORRELATION_HEADER = 'MS-CorrelationId';

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
  }
}

/**
 * Opens the request context for every request before anything else runs, so the correlation id reaches resolvers,
 * the Partner Center client and every log line, and is on every response, errors and 404s included.
 */
export function registerRequestContextHook(fastify: FastifyInstance): void {
  fastify.decorateRequest('correlationId', '');
  fastify.addHook('onRequest', (request, reply, done) => {
    const correlationId = correlationIdFrom(
      request.headers['ms-correlationid'],
      request.headers['x-correlation-id'],
    );
    request.correlationId = correlationId;
    reply.header(CORRELATION_HEADER, correlationId);
    // The raw request too: the HTTP logger reads the id from there.
    (request.raw as { correlationId?: string }).correlationId = correlationId;
    runInRequestContext({ correlationId }, done);
  });
}
