import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GRAPHQL_PATH } from './graphql.options';

/** One check of the gate: returns (or resolves) when the request may go on, throws (or rejects) to refuse it. */
export type GraphqlGateCheck = (request: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * The GraphQL endpoint's inbound gate: its checks (authentication, then the caller's rate limit) run once per HTTP
 * request, in order, before Apollo parses, validates or executes anything — as Apollo Router's and Hive Gateway's JWT
 * plugins authenticate before the operation — rather than once per resolver as field errors of a 200. A refusal
 * goes to the error handler like a body Apollo never saw: GraphQL-shaped, `{"errors":[…]}` with no `data`, with the
 * failure's status and headers (401 and `WWW-Authenticate`, 429 and `Retry-After`). Resolver guards then only read
 * the caller it recorded and check permissions.
 * A request that can run no operation is let through: the GraphiQL page (a browser's GET without a query) stays
 * public, and Apollo refuses other methods (405) by itself.
 */
export function registerGraphqlGate(fastify: FastifyInstance, checks: GraphqlGateCheck[]): void {
  const gate = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    for (const check of checks) await check(request, reply);
  };
  fastify.addHook('preHandler', (request, reply, done) => {
    if (!mayBeGraphqlRoute(request.url)) return done();
    if (request.routeOptions.url !== GRAPHQL_PATH || !mayRunAnOperation(request)) return done();
    gate(request, reply).then(() => done(), done);
  });
}

/**
 * Whether a request line could have been routed to GRAPHQL_PATH, without `request.routeOptions` (a getter that builds
 * a 13-field object on each access, on every REST request here). Routes match case-sensitively, without trailing-slash
 * or duplicate-slash folding, so a path without percent-encoding that does not start with GRAPHQL_PATH cannot; anything
 * else is decided by the route itself.
 */
function mayBeGraphqlRoute(url: string): boolean {
  return url.startsWith(GRAPHQL_PATH) || url.includes('%');
}

function mayRunAnOperation(request: FastifyRequest): boolean {
  if (request.method === 'POST') return true;
  if (request.method !== 'GET') return false;
  const query = (request.query as Record<string, unknown> | undefined)?.query;
  return query !== undefined || !(request.headers.accept ?? '').includes('text/html');
}
