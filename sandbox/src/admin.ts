import { parseFaultSpec } from './fault-spec';
import { json, type SandboxReply, type SandboxRequest } from './http/exchange';
import { issueCallerToken } from './identity/tokens';
import type { SandboxServices } from './services';
import { validThrottle } from './partner-center/throttle';
import type { CallerTokenClaims, FaultSpec, SandboxClient, ThrottleConfig } from './types';

type AdminHandler = (
  request: SandboxRequest,
  services: SandboxServices,
  param?: string,
) => SandboxReply | Promise<SandboxReply>;

const noContent: SandboxReply = { status: 204, body: '' };

/** The /_sandbox/* endpoints tests and humans use to steer the sandbox. JSON in, JSON out, no auth (127.0.0.1 test tool). */
export const ADMIN_ROUTES: Record<string, Record<string, AdminHandler>> = {
  faults: {
    GET: (_r, s) => json(200, s.faults.list()),
    POST: (r, s) => {
      const specs = readJson(r.body);
      const list = (Array.isArray(specs) ? specs : [specs]).map(parseFaultSpec);
      const ids = list.map((spec: FaultSpec) => s.faults.add(spec));
      return json(201, Array.isArray(specs) ? { ids } : { id: ids[0] });
    },
    DELETE: (_r, s) => (s.faults.clear(), noContent),
  },
  'faults/:id': {
    DELETE: (_r, s, id) => (s.faults.remove(id ?? '') ? noContent : json(404, { error: `no fault ${id}` })),
  },
  requests: {
    GET: (r, s) => json(200, s.log.entries({ target: r.query.get('target') ?? undefined })),
    DELETE: (_r, s) => (s.log.clear(), noContent),
  },
  stats: { GET: (_r, s) => json(200, s.stats()) },
  'in-flight-peak': { DELETE: (_r, s) => (s.inFlight.resetPeak(), noContent) },
  throttle: {
    GET: (_r, s) => json(200, s.throttle.get() ?? null),
    PUT: (r, s) => {
      s.throttle.set(validThrottle(readJson(r.body) as ThrottleConfig));
      return json(200, s.throttle.get());
    },
    DELETE: (_r, s) => (s.throttle.set(undefined), noContent),
  },
  reset: { POST: (_r, s) => (s.reset(), noContent) },
  'revoke-tokens': { POST: (_r, s) => (s.ledger.revokeAll(), noContent) },
  customers: { GET: (_r, s) => json(200, s.store.list()) },
  clients: {
    POST: (r, s) => {
      const client = readJson(r.body) as SandboxClient;
      s.registry.register(client);
      return json(201, { clientId: client.clientId });
    },
  },
  'caller-tokens': {
    POST: async (r, s) => {
      const { token, expiresIn } = await issueCallerToken(
        s.authority,
        (readJson(r.body || '{}') ?? {}) as CallerTokenClaims,
      );
      return json(200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn });
    },
  },
};

/** Runs an admin endpoint; bad input answers 400 with the reason. */
export async function handleAdmin(
  request: SandboxRequest,
  services: SandboxServices,
  subPath: string,
): Promise<SandboxReply> {
  const [name, param] = subPath.split('/');
  const routes = ADMIN_ROUTES[param === undefined ? name : `${name}/:id`];
  if (!routes)
    return json(404, {
      error: `unknown admin endpoint /_sandbox/${subPath}`,
      endpoints: Object.keys(ADMIN_ROUTES),
    });
  const handler = routes[request.method];
  if (!handler)
    return json(
      405,
      { error: `use ${Object.keys(routes).join(' or ')}` },
      { allow: Object.keys(routes).join(', ') },
    );
  try {
    return await handler(request, services, param);
  } catch (error) {
    return json(400, { error: error instanceof Error ? error.message : String(error) });
  }
}

function readJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new Error('the request body must be JSON');
  }
}
