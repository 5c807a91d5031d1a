import type { FastifyInstance, FastifyRequest } from 'fastify';

/** A route as its clients see it: its URL pattern (`/v1/customers/:customerId/usagebudget`) and what it offers. */
export interface KnownRoute {
  url: string;
  /** Upper case, HEAD included where Fastify adds it for a GET; never a withheld method. */
  methods: ReadonlySet<string>;
}

/**
 * The routes and the methods each offers, learnt as they are registered, so that the answers about a path (405 and
 * its `Allow`, a CORS preflight's grant) say what the router really serves.
 * `withheld`: methods a route is registered with but does not offer (the GraphQL endpoint's HEAD and OPTIONS, which
 * Apollo's Fastify integration registers for its own CORS handling).
 */
export class KnownRoutes {
  private readonly routes = new Map<string, KnownRoute & { path: RegExp; methods: Set<string> }>();

  private constructor(private readonly withheld: Readonly<Record<string, readonly string[]>>) {}

  /** Call before the routes are registered (before Nest's init). */
  static learn(
    fastify: FastifyInstance,
    withheld: Readonly<Record<string, readonly string[]>> = {},
  ): KnownRoutes {
    const known = new KnownRoutes(withheld);
    fastify.addHook('onRoute', (route) => known.add(route.url, [route.method].flat()));
    return known;
  }

  /** Every method withheld by some route (a cheap first test on each request). */
  get withheldMethods(): ReadonlySet<string> {
    return new Set(Object.values(this.withheld).flat());
  }

  isWithheld(url: string, method: string): boolean {
    return this.withheld[url]?.includes(method) ?? false;
  }

  get(url: string): KnownRoute | undefined {
    return this.routes.get(url);
  }

  /**
   * The routes a request's path names: the one it was routed to, or, when no route takes its method (Fastify's
   * 404), every route whose pattern the path matches (none: an unknown path).
   */
  at(request: FastifyRequest): KnownRoute[] {
    if (!request.is404) {
      const route = this.routes.get(request.routeOptions.url ?? '');
      return route ? [route] : [];
    }
    return this.matching(request.url.split('?')[0]);
  }

  /** Every route whose pattern `path` matches, as it came (not decoded): what a path the router refused names. */
  matching(path: string): KnownRoute[] {
    return [...this.routes.values()].filter((route) => route.path.test(path));
  }

  private add(url: string, methods: string[]): void {
    const known = this.routes.get(url) ?? { url, path: pathPattern(url), methods: new Set<string>() };
    for (const method of methods)
      if (!this.isWithheld(url, method.toUpperCase())) known.methods.add(method.toUpperCase());
    this.routes.set(url, known);
  }
}

/** Methods as an `Allow` or `Access-Control-Allow-Methods` value lists them. */
export function methodList(methods: Iterable<string>): string {
  return [...methods].sort().join(', ');
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
