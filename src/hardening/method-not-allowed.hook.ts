import { MethodNotAllowedException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

interface KnownRoute {
  path: RegExp;
  methods: Set<string>;
}

/**
 * A path that exists, asked with a method it does not have (`PUT /v1/customers/{id}/usagebudget`), is answered 405
 * with `Allow` (RFC 9110), not 404: the client's mistake is the method, not the address. The routes are learnt as
 * they are registered (HEAD included, which Fastify adds for every GET). No CORS is configured, so an OPTIONS is
 * never a preflight the gateway answers: it gets 405 like any other method a route lacks.
 * `withheld`: methods a route is registered with but does not offer (the GraphQL endpoint's HEAD and OPTIONS, which
 * Apollo's Fastify integration registers for CORS preflights): 405 too, and never listed in `Allow`.
 * Call before the routes are registered (before Nest's init).
 */
export function registerMethodNotAllowed(
  fastify: FastifyInstance,
  withheld: Readonly<Record<string, readonly string[]>> = {},
): void {
  const routes = new Map<string, KnownRoute>();
  fastify.addHook('onRoute', (route) => {
    const known = routes.get(route.url) ?? { path: pathPattern(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat())
      if (!withheld[route.url]?.includes(method.toUpperCase())) known.methods.add(method.toUpperCase());
    routes.set(route.url, known);
  });
  const withheldMethods = new Set(Object.values(withheld).flat());
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) {
      // A method some route withholds (a cheap test first: routeOptions is a getter that builds an object).
      if (!withheldMethods.has(request.method)) return done();
      const route = routes.get(request.routeOptions.url ?? '');
      if (!route || !withheld[request.routeOptions.url ?? '']?.includes(request.method)) return done();
      const allow = [...route.methods].sort().join(', ');
      reply.header('Allow', allow);
      return done(
        new MethodNotAllowedException(`${request.method} is not allowed here; this route allows ${allow}.`),
      );
    }
    const path = request.url.split('?')[0];
    const allowed = new Set<string>();
    for (const route of routes.values())
      if (route.path.test(path)) route.methods.forEach((m) => allowed.add(m));
    if (allowed.size === 0) return done();
    const allow = [...allowed].sort().join(', ');
    reply.header('Allow', allow);
    done(new MethodNotAllowedException(`${request.method} is not allowed here; this route allows ${allow}.`));
  });
}

/** A route's URL as find-my-way reads it (`:param` is one segment, `*` the rest) as a regular expression. */
function pathPattern(url: string): RegExp {
  const segments = url.split('/').map((segment) => {
    if (segment.startsWith(':')) return '[^/]+';
    if (segment === '*') return '.*';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${segments.join('/')}$`);
}
