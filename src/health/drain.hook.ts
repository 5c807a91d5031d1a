import type { FastifyInstance } from 'fastify';
import { ShutdownState } from './shutdown-state';

const STILL_SERVED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * While draining, new requests get 503 (problem+json, `Connection: close`, `Retry-After`) so clients go to another
 * replica; probes and scrapes are still answered. Requests already running are not affected.
 */
export function registerDrainGate(fastify: FastifyInstance, state: ShutdownState): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!state.draining || STILL_SERVED.has(request.url.split('?')[0])) return done();
    void reply
      .code(503)
      .header('Connection', 'close')
      .header('Retry-After', '1')
      .type('application/problem+json')
      .send({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        code: 'SHUTTING_DOWN',
        detail: 'This gateway instance is shutting down; retry the request.',
        correlationId: request.correlationId || undefined,
      });
  });
}
