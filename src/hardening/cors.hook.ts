import { ForbiddenException } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { echoClientValue } from '../problem/client-value';
import type { CorsConfig } from './cors.config';
import { originOf } from './cors.config';
import { KnownRoute, KnownRoutes, methodList } from './known-routes';

/** What a browser page on another origin may use of one route: the request headers the route reads. */
export type CorsRoutes = Readonly<Record<string, readonly string[]>>;

export interface CorsPolicy {
  /** The routes a page may call, by route URL; any other path (health, metrics, the developer pages) gets no CORS. */
  routes: CorsRoutes;
  /** The response headers a page may read beyond the CORS-safelisted ones. */
  exposedHeaders: readonly string[];
}

/** The `operation` of a preflight answered here, in the request log line and the request metrics. */
export const PREFLIGHT_OPERATION = 'CORS preflight';

const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

/**
 * CORS for the browser portals of CORS_ALLOWED_ORIGINS, and only for them (nothing is registered when none is
 * listed, so the gateway answers exactly as without CORS):
 * - a preflight (OPTIONS with `Origin` and `Access-Control-Request-Method`) to an API route is answered here, before
 *   the drain gate, the 405 hook, authentication and the rate limit: 204 with the grant when the origin is listed and
 *   the method and every header asked for are ones the route takes, else 403 `FORBIDDEN` without any grant, its
 *   `detail` saying which (a browser shows only "CORS error"; the detail is for the developer's network panel and
 *   curl). During a drain the preflight is still granted, so the request itself reaches a replica that is up, or
 *   gets a 503 the page can read;
 * - every answer to a listed origin on an API route, errors and early refusals included (onSend; and the router's
 *   refusal of a URL it cannot decode, through the returned CorsOfRefusal), carries `Access-Control-Allow-Origin` and
 *   `Access-Control-Expose-Headers`; every answer carries `Vary: Origin`, since what it says depends on the origin
 *   asking.
 * The grant names the origin, never `*`, and never allows credentials: callers send bearer tokens, not cookies.
 * Hand-written rather than @fastify/cors: that plugin answers preflights through an `OPTIONS *` route, which would
 * make every OPTIONS routable (unknown paths no longer 404, the 405 hook never consulted), and it grants one list of
 * methods and headers to every path.
 */
/**
 * The CORS headers of an answer made where no hook runs (the router's refusal of a URL it cannot decode): the grant
 * when the origin is listed and the path as sent has the shape of an API route, `Vary: Origin` always; none with CORS
 * off.
 */
export type CorsOfRefusal = (request: FastifyRequest) => Record<string, string>;

export function registerCors(
  fastify: FastifyInstance,
  config: CorsConfig,
  routes: KnownRoutes,
  policy: CorsPolicy,
): CorsOfRefusal {
  if (config.allowedOrigins.length === 0) return () => ({});
  const allowed = new Set(config.allowedOrigins);
  const requestHeaders = new Map(
    Object.entries(policy.routes).map(([url, headers]) => [
      url,
      new Set(headers.map((h) => h.toLowerCase())),
    ]),
  );
  const allowHeaders = new Map(
    Object.entries(policy.routes).map(([url, headers]) => [url, [...headers].join(', ')]),
  );
  const exposed = policy.exposedHeaders.join(', ');
  const apiRouteOf = (request: FastifyRequest): KnownRoute | undefined =>
    routes.at(request).find((route) => requestHeaders.has(route.url));
  // Browsers send the serialised origin; another client's `HTTPS://Portal.Example:443` names the same one.
  const listedOrigin = (request: FastifyRequest): string | undefined => {
    const origin = request.headers.origin;
    if (origin === undefined || allowed.has(origin)) return origin;
    const normalised = origin.endsWith('/') ? undefined : originOf(origin);
    return normalised !== undefined && allowed.has(normalised) ? normalised : undefined;
  };

  fastify.addHook('onRequest', (request, reply, done) => {
    if (!isPreflight(request)) return done();
    const askedMethod = request.headers['access-control-request-method']!;
    // Browsers always send Host: one without it is left to the Host check's 400, which runs after the drain gate.
    if (request.headers.host === undefined) return done();
    const route = apiRouteOf(request);
    if (!route) return done();
    // Logged and measured apart: thousands of empty answers must not pass for fast GraphQL or REST requests.
    if (request.requestContext) request.requestContext.operation = PREFLIGHT_OPERATION;
    reply.header('Vary', PREFLIGHT_VARY);
    const origin = listedOrigin(request);
    const refusal = preflightRefusal(request, origin, askedMethod, route, requestHeaders.get(route.url)!);
    if (refusal !== undefined) return done(new ForbiddenException(refusal));
    void reply
      .code(204)
      .header('Access-Control-Allow-Origin', origin)
      .header('Access-Control-Allow-Methods', methodList(route.methods))
      .header('Access-Control-Allow-Headers', allowHeaders.get(route.url))
      .header('Access-Control-Max-Age', String(config.maxAgeSeconds))
      .send();
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    appendVary(reply, 'Origin');
    // A preflight carries its grant already, or was refused it.
    if (!isPreflight(request)) {
      const origin = listedOrigin(request);
      if (origin !== undefined && apiRouteOf(request)) {
        reply.header('Access-Control-Allow-Origin', origin);
        reply.header('Access-Control-Expose-Headers', exposed);
      }
    }
    done(null, payload);
  });

  return (request): Record<string, string> => {
    const origin = listedOrigin(request);
    const apiPath = routes.matching(request.url.split('?')[0]).some((route) => requestHeaders.has(route.url));
    if (origin === undefined || !apiPath) return { Vary: 'Origin' };
    return {
      Vary: 'Origin',
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Expose-Headers': exposed,
    };
  };
}

function isPreflight(request: FastifyRequest): boolean {
  return (
    request.method === 'OPTIONS' &&
    request.headers.origin !== undefined &&
    request.headers['access-control-request-method'] !== undefined
  );
}

/** Why a preflight gets no grant, or undefined when it gets one. */
function preflightRefusal(
  request: FastifyRequest,
  origin: string | undefined,
  askedMethod: string,
  route: KnownRoute,
  takenHeaders: ReadonlySet<string>,
): string | undefined {
  if (origin === undefined)
    return `The origin ${echoClientValue(request.headers.origin ?? '')} may not call this gateway from a browser (CORS_ALLOWED_ORIGINS).`;
  if (!route.methods.has(askedMethod))
    return `${echoClientValue(askedMethod)} is not allowed here; this route allows ${methodList(route.methods)}.`;
  const refused = (request.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && !takenHeaders.has(name));
  if (refused.length > 0)
    return `This route does not read the request header ${echoClientValue(refused[0])}; it reads ${[...takenHeaders].join(', ')}.`;
  return undefined;
}

/** Adds a field name to `Vary` unless it is there already (another hook may have set it). */
function appendVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('Vary');
  const value = Array.isArray(current) ? current.join(', ') : current === undefined ? '' : String(current);
  const fields = value.split(',').map((name) => name.trim().toLowerCase());
  if (fields.includes('*') || fields.includes(field.toLowerCase())) return;
  reply.header('Vary', value ? `${value}, ${field}` : field);
}
