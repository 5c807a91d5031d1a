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
    if (request.routeOptions.url !== GRAPHQL_PATH || !mayRunAnOperation(request)) return done();
    gate(request, reply).then(() => done(), done);
  });
}

function mayRunAnOperation(request: FastifyRequest): boolean {
  if (request.method === 'POST') return true;
  if (request.method !== 'GET') return false;
  const query = (request.query as Record<string, unknown> | undefined)?.query;
  return query !== undefined || !(request.headers.accept ?? '').includes('text/html');
}
