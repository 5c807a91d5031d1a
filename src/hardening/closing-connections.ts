import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';

/** Connections whose last answer is decided (a refusal sent with `Connection: close`). */
const closing = new WeakSet<Socket>();

/**
 * Marks a connection as answered for the last time: a request pipelined after the refused one, already read by Node's
 * parser, is then never run (a PATCH behind an `Expect: bogus` would be applied and never answered, the connection
 * closing after the 417). HTTP/1.1 tells the client that requests without an answer on a closed connection were not
 * processed, so it may send them again.
 */
export function markClosing(socket: Socket | null | undefined): void {
  if (socket) closing.add(socket);
}

/** Requests that arrive on a connection marked closing are dropped before any hook or handler runs. */
export function registerClosingConnectionGuard(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (closing.has(request.raw.socket)) {
      reply.hijack();
      return done();
    }
    done();
  });
}
