import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { Failure } from '../problem/failure';
import { graphqlErrorFromFailure } from '../problem/graphql-error';
import { PROBLEM_CONTENT_TYPE, toProblemDetails } from '../problem/problem-details';
import { ShutdownState } from './shutdown-state';

const STILL_SERVED = new Set(['/healthz', '/readyz', '/metrics']);

/** Slots free up on another replica at once: the load balancer has taken this one out, or is about to. */
const RETRY_AFTER_SECONDS = 1;

/** Rendered by the failure table like every other refusal: the same `type`, `title` and `retryAfterSeconds` members. */
const SHUTTING_DOWN: Failure = {
  kind: 'shutting-down',
  detail: 'This gateway instance is shutting down; retry the request.',
  retryAfterSeconds: RETRY_AFTER_SECONDS,
};

/** How long a refused request's body may take to arrive before the refusal is sent anyway (the connection then ends). */
const BODY_WAIT_MAX_MS = 5_000;

/**
 * While draining, new requests get 503 `SHUTTING_DOWN` (`Connection: close`, `Retry-After`) so clients go to another
 * replica; probes and scrapes are still answered. Requests already running are not affected. The gate also answers
 * the requests read after the server stopped accepting (on a keep-alive connection, or pipelined): Fastify's own
 * `return503OnClosing` is off (bootstrap.ts), since its bare `{"error":"Service Unavailable"}` had no code and no
 * correlation id. On the GraphQL route the refusal is GraphQL-shaped (`{"errors":[…]}`), like every other refusal
 * there; elsewhere problem+json.
 *
 * During the drain every answer also carries `Connection: close` (the last one read on its connection), so a
 * keep-alive connection ends cleanly after its answer instead of idling until the server cuts it under a request the
 * client is sending at that moment (a reset).
 */
export function registerDrainGate(
  fastify: FastifyInstance,
  state: ShutdownState,
  options: { graphqlPath?: string } = {},
): void {
  // Requests read and not yet answered, per connection: a pipelined request behind an answer must still get its own.
  const unanswered = new WeakMap<Socket, number>();
  fastify.addHook('onRequest', (request, reply, done) => {
    const socket = request.raw.socket;
    if (socket) {
      unanswered.set(socket, (unanswered.get(socket) ?? 0) + 1);
      reply.raw.once('close', () => unanswered.set(socket, (unanswered.get(socket) ?? 1) - 1));
    }
    if (!state.draining || STILL_SERVED.has(request.url.split('?')[0])) return done();
    afterBody(request, () => refuse(request, reply, options.graphqlPath));
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const socket = request.raw.socket;
    if (state.draining && request.raw.httpVersionMajor === 1 && socket && (unanswered.get(socket) ?? 0) <= 1)
      reply.header('Connection', 'close');
    done(null, payload);
  });
}

/**
 * Runs `then` once the request's body has arrived (read and dropped), bounded: an answer sent while the client is
 * still sending its body ends the connection under it, and the client sees a reset instead of the 503.
 */
function afterBody(request: FastifyRequest, then: () => void): void {
  const raw = request.raw;
  if (raw.complete || raw.readableEnded) return then();
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    raw.off('end', settle);
    raw.off('error', settle);
    then();
  };
  const timer = setTimeout(settle, BODY_WAIT_MAX_MS);
  timer.unref();
  raw.once('end', settle);
  raw.once('error', settle);
  raw.resume();
}

function refuse(request: FastifyRequest, reply: FastifyReply, graphqlPath: string | undefined): void {
  if (reply.sent || request.raw.destroyed) return;
  const correlationId = request.correlationId || undefined;
  reply.code(503).header('Connection', 'close').header('Retry-After', String(RETRY_AFTER_SECONDS));
  if (graphqlPath !== undefined && request.routeOptions.url === graphqlPath) {
    void reply
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ errors: [graphqlErrorFromFailure(SHUTTING_DOWN, correlationId)] }));
    return;
  }
  void reply.type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(toProblemDetails(SHUTTING_DOWN, correlationId)));
}
