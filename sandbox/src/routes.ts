import { handleAdmin } from './admin';
import type { SandboxReply, SandboxRequest } from './http/exchange';
import { handleTokenRequest } from './identity/token-endpoint';
import { jsonWebKeySet, openIdConfiguration } from './identity/metadata';
import { partnerCenterError } from './partner-center/errors';
import { handleUsageBudget } from './partner-center/usage-budget';
import type { SandboxServices } from './services';
import type { LogTarget } from './types';

type Handler = (
  request: SandboxRequest,
  services: SandboxServices,
  params: string[],
) => SandboxReply | Promise<SandboxReply>;

interface Route {
  target: LogTarget;
  pattern: RegExp;
  methods: Record<string, Handler>;
}

const ROUTES: Route[] = [
  {
    target: 'admin',
    pattern: /^\/_sandbox\/(.+?)\/?$/,
    methods: { GET: admin, POST: admin, PUT: admin, DELETE: admin },
  },
  {
    target: 'partner-center',
    pattern: /^\/v1\/customers\/([^/]+)\/usagebudget$/i,
    methods: {
      GET: (r, s, [id]) => handleUsageBudget(r, id, s),
      PATCH: (r, s, [id]) => handleUsageBudget(r, id, s),
    },
  },
  {
    target: 'token',
    pattern: /^\/([^/]+)\/oauth2\/v2\.0\/token$/,
    methods: { POST: (r, s, [tenant]) => handleTokenRequest(r, tenant, s) },
  },
  {
    target: 'metadata',
    pattern: /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/,
    methods: { GET: (_r, s, [tenant]) => openIdConfiguration(s.authority, tenant) },
  },
  {
    target: 'metadata',
    pattern: /^\/([^/]+)\/discovery\/v2\.0\/keys$/,
    methods: { GET: (_r, s, [tenant]) => jsonWebKeySet(s.authority, tenant) },
  },
];

function admin(
  request: SandboxRequest,
  services: SandboxServices,
  [subPath]: string[],
): Promise<SandboxReply> {
  return handleAdmin(request, services, subPath);
}

export interface ResolvedRoute {
  target: LogTarget;
  /** The customer a Partner Center call is about, for fault filters. */
  customerId?: string;
  run(request: SandboxRequest, services: SandboxServices): SandboxReply | Promise<SandboxReply>;
}

/** Finds the handler for a request; unknown paths answer 404 and known paths with another verb 405. */
export function resolveRoute(method: string, path: string): ResolvedRoute {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const params = match.slice(1).map(decodeSegment);
    const handler = route.methods[method];
    const customerId = route.target === 'partner-center' ? params[0] : undefined;
    if (!handler) {
      const allow = Object.keys(route.methods).join(', ');
      return {
        target: route.target,
        customerId,
        run: () =>
          partnerCenterError(405, 405, `The requested resource does not support http method '${method}'.`, {
            allow,
          }),
      };
    }
    return {
      target: route.target,
      customerId,
      run: (request, services) => handler(request, services, params),
    };
  }
  return { target: 'other', run: () => partnerCenterError(404, 1000, `No resource at ${path}`) };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
