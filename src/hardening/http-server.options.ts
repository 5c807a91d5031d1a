import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { ServerOptions } from 'node:http';
import { markClosing } from './closing-connections';

/**
 * How long an idle keep-alive connection stays open after an answer: longer than the usual load balancer idle
 * timeouts (60 s), so the balancer, never the gateway, closes a connection it may be about to reuse.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * The bounds of a client connection (Fastify's requestTimeout is 0, none, by default: a client that sends
 * `Content-Length: 100` and never the body held its connection forever). Node enforces them:
 * - from a request's first byte (a new connection's included) to its last, at most `requestTimeoutMs` (408);
 * - the headers within the same bound (Node requires headersTimeout <= requestTimeout);
 * - idle between requests, `KEEP_ALIVE_TIMEOUT_MS`;
 * - checked every second at most (Node's default, 30 s, would let a 500 ms bound run 30 s).
 * No socket inactivity timeout (Fastify's connectionTimeout): it would also cut an answer that legitimately waits
 * longer on Partner Center (a throttled batch), and the bounds above already end every connection that idles.
 *
 * Node's own Host check answers an empty 400 before Fastify runs; `registerHostHeaderCheck` does it as problem+json.
 */
export function httpServerOptions(options: { requestTimeoutMs: number }): {
  requestTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
} {
  const { requestTimeoutMs } = options;
  return {
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
      requireHostHeader: false,
    },
  };
}

/** RFC 9112: an HTTP/1.1 request without Host is refused with 400 (here, like every other refusal). */
export function registerHostHeaderCheck(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      // The connection ends with this answer, and nothing pipelined behind it runs.
      reply.header('Connection', 'close');
      markClosing(request.raw.socket);
      done(new BadRequestException('An HTTP/1.1 request must carry a Host header.'));
      return;
    }
    done();
  });
}
