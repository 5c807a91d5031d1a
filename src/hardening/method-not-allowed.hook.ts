import { MethodNotAllowedException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { KnownRoutes, methodList } from './known-routes';

/**
 * A path that exists, asked with a method it does not have (`PUT /v1/customers/{id}/usagebudget`), is answered 405
 * with `Allow` (RFC 9110), not 404: the client's mistake is the method, not the address. A route's withheld methods
 * (KnownRoutes) get 405 too, and are never listed in `Allow`. An OPTIONS is answered here too, like any other
 * method a route lacks, unless it is a CORS preflight the CORS hook (cors.hook.ts, registered before this one)
 * answered.
 */
export function registerMethodNotAllowed(fastify: FastifyInstance, routes: KnownRoutes): void {
  const withheldMethods = routes.withheldMethods;
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) {
      // A method some route withholds (a cheap test first: routeOptions is a getter that builds an object).
      if (!withheldMethods.has(request.method)) return done();
      const url = request.routeOptions.url ?? '';
      const route = routes.get(url);
      if (!route || !routes.isWithheld(url, request.method)) return done();
      return refuse(methodList(route.methods));
    }
    const allowed = new Set(routes.at(request).flatMap((route) => [...route.methods]));
    if (allowed.size === 0) return done();
    refuse(methodList(allowed));

    function refuse(allow: string): void {
      reply.header('Allow', allow);
      done(
        new MethodNotAllowedException(`${request.method} is not allowed here; this route allows ${allow}.`),
      );
    }
  });
}
