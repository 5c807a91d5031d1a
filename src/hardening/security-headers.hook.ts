import type { FastifyInstance } from 'fastify';
import { API_RESPONSE_HEADERS } from '../common/http/api-response-headers';

/**
 * The two developer pages (Swagger UI at /docs, GraphiQL at /graphql outside production) load only their own files
 * from the gateway, call only the gateway and may not be framed; scripts are files, never inline. Styles may be
 * inline: @nestjs/swagger's page template has <style> blocks, and GraphiQL's dialogs insert a <style> element
 * (scroll locking) at run time. Fonts and images come inline (data:) in the bundled stylesheets.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const API_HEADER_ENTRIES = Object.entries(API_RESPONSE_HEADERS);

const PAGES = [/^\/docs(\/|\?|$)/, /^\/graphql(\?|$)/];

/**
 * Headers every response carries: the gateway serves JSON to programs, so nothing may be sniffed, framed, cached
 * or referred. The HTML of the two developer pages gets the CSP they need to run, and nothing more.
 */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    for (const [name, value] of API_HEADER_ENTRIES) {
      if (name !== 'Cache-Control' || !reply.hasHeader(name)) reply.header(name, value);
    }
    const isPage =
      request.method === 'GET' &&
      PAGES.some((page) => page.test(request.url)) &&
      String(reply.getHeader('content-type') ?? '').startsWith('text/html');
    if (isPage) reply.header('Content-Security-Policy', PAGE_CSP);
    done(null, payload);
  });
}
