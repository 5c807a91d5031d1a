import type { FastifyInstance } from 'fastify';
import { storage, Store } from 'nestjs-pino/storage';
import type { Logger } from 'pino';

/**
 * Binds this gateway's logger to each request for Nest's `Logger` (nestjs-pino reads it from its own async storage,
 * falling back on one process-wide root): what nestjs-pino's middleware does, without the middleware engine and
 * without pino-http's child logger per request (see LoggingModule). The request's fields come from the logger's
 * mixin. Several gateways in one process (the e2e tests) each log a request's lines to their own destination.
 */
export function registerRequestLogger(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onRequest', (_request, _reply, done) => storage.run(new Store(logger), done));
}
