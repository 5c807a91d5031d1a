import type { FastifyInstance } from 'fastify';

/** Pages that load their own scripts and styles (Swagger UI, the GraphiQL landing page outside production). */
const PAGES = [/^\/docs(\/|$)/, /^\/graphql(\?|$)/];

/**
 * Headers every response carries: the gateway serves JSON to programs, so nothing may be sniffed, framed, cached
 * or referred. The strict CSP is left off the two developer pages, which need their own scripts.
 */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'no-store');
    const isPage =
      request.method === 'GET' &&
      PAGES.some((page) => page.test(request.url)) &&
      String(reply.getHeader('content-type') ?? '').startsWith('text/html');
    if (!isPage) reply.header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    done(null, payload);
  });
}
