import { READ, READ_WRITE } from '../../src/auth/permissions';
import { ShutdownState } from '../../src/health/shutdown-state';
import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, GET_BUDGET, GUID, UNKNOWN_CUSTOMER } from './support/ids';

const PORTAL = 'https://portal.example';
const OTHER_PORTAL = 'http://127.0.0.1:8080';
const STRANGER = 'https://evil.example';
const BUDGET = `/v1/customers/${CONTOSO}/usagebudget`;

/** What a browser sends before a JSON call with a bearer token (request header names lower case, as Chromium does). */
function preflight(origin: string, method: string, headers = 'authorization,content-type') {
  return {
    origin,
    'access-control-request-method': method,
    ...(headers ? { 'access-control-request-headers': headers } : {}),
  };
}

const corsHeaderNames = (headers: Record<string, unknown>) =>
  Object.keys(headers).filter((name) => name.startsWith('access-control-'));

function expectGrantedAnswer(headers: Record<string, unknown>, origin: string): void {
  expect(headers['access-control-allow-origin']).toBe(origin);
  expect(headers['access-control-expose-headers']).toBe(
    'MS-CorrelationId, MS-RequestId, Idempotency-Key, Retry-After, Age, WWW-Authenticate',
  );
  expect(headers['access-control-allow-credentials']).toBeUndefined();
  expect(String(headers['vary'])).toMatch(/\bOrigin\b/);
}

describe('CORS for browser portals listed in CORS_ALLOWED_ORIGINS', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      // Upper case and a default port: compared as the browser serialises an origin.
      env: {
        CORS_ALLOWED_ORIGINS: `HTTPS://Portal.Example:443, ${OTHER_PORTAL}`,
        CORS_MAX_AGE_SECONDS: '300',
      },
    });
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const upstreamCalls = () => gateway.sandbox.requestLog.entries({ target: 'partner-center' }).length;
  /** A second gateway on the same sandbox for PORTAL: callers' tokens checked, one call a minute let through. */
  const startGuarded = () =>
    startGateway({
      sandbox: gateway.sandbox,
      env: {
        CORS_ALLOWED_ORIGINS: PORTAL,
        RATE_LIMIT_PER_MINUTE: '1',
        AUTH_ISSUER: `${gateway.sandbox.url}/${gateway.sandbox.tenantId}/v2.0`,
        AUTH_AUDIENCE: gateway.sandbox.callerAudience,
      },
    });

  describe('preflights', () => {
    it('grants the budget path its methods and the headers it reads, with no call upstream', async () => {
      const answer = await gateway.http.options(BUDGET, {
        headers: preflight(PORTAL, 'PATCH', 'authorization,content-type,ms-requestid,x-locale,cache-control'),
      });
      expect(answer.status).toBe(204);
      expect(answer.data).toBe('');
      expect(answer.headers['access-control-allow-origin']).toBe(PORTAL);
      expect(answer.headers['access-control-allow-methods']).toBe('GET, HEAD, PATCH');
      expect(answer.headers['access-control-allow-headers']).toBe(
        'Authorization, Content-Type, MS-CorrelationId, X-Correlation-Id, MS-RequestId, Idempotency-Key, X-Locale, traceparent, tracestate, Cache-Control',
      );
      expect(answer.headers['access-control-max-age']).toBe('300');
      expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
      expect(answer.headers['vary']).toBe(
        'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      );
      expect(answer.headers['ms-correlationid']).toMatch(GUID);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(upstreamCalls()).toBe(0);
    });

    it('grants /graphql GET and POST and the headers Apollo reads', async () => {
      const answer = await gateway.http.options('/graphql', {
        headers: preflight(OTHER_PORTAL, 'POST', 'authorization, content-type, apollo-require-preflight'),
      });
      expect(answer.status).toBe(204);
      expect(answer.headers['access-control-allow-origin']).toBe(OTHER_PORTAL);
      expect(answer.headers['access-control-allow-methods']).toBe('GET, POST');
      expect(answer.headers['access-control-allow-headers']).toContain('apollo-require-preflight');
      expect(answer.headers['access-control-allow-headers']).toContain('x-apollo-operation-name');
    });

    it('is granted whatever spelling of the GraphQL path the router takes', async () => {
      const answer = await gateway.http.options('/%67raphql', { headers: preflight(PORTAL, 'POST') });
      expect(answer.status).toBe(204);
      expect(answer.headers['access-control-allow-methods']).toBe('GET, POST');
    });

    it('needs no token and takes no rate-limit slot', async () => {
      const limited = await startGuarded();
      try {
        for (let i = 0; i < 3; i++) {
          const answer = await limited.http.options(BUDGET, { headers: preflight(PORTAL, 'GET') });
          expect(answer.status).toBe(204);
        }
        const token = await gateway.sandbox.issueCallerToken({ roles: [READ] });
        const read = await limited.http.get(BUDGET, {
          headers: { origin: PORTAL, authorization: `Bearer ${token}` },
        });
        expect(read.status).toBe(200);
      } finally {
        await limited.close();
      }
    });

    it.each([
      ['an origin not listed', preflight(STRANGER, 'GET'), /origin https:\/\/evil\.example may not/],
      ['the same host on another scheme', preflight('http://portal.example', 'GET'), /may not/],
      ['the origin of a sandboxed page', preflight('null', 'GET'), /origin null may not/],
      [
        'a method the path lacks',
        preflight(PORTAL, 'PUT'),
        /PUT is not allowed here; this route allows GET, HEAD, PATCH/,
      ],
      ['a method in lower case', preflight(PORTAL, 'patch'), /patch is not allowed/],
      [
        'a header the path does not read',
        preflight(PORTAL, 'GET', 'authorization,x-api-key'),
        /request header x-api-key/,
      ],
      [
        'a GraphQL header on the REST path',
        preflight(PORTAL, 'GET', 'apollo-require-preflight'),
        /apollo-require-preflight/,
      ],
    ])('refuses %s: 403 without any CORS grant', async (_case, headers, detail) => {
      const answer = await gateway.http.options(BUDGET, { headers });
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.data).toMatchObject({ code: 'FORBIDDEN', detail: expect.stringMatching(detail) });
      expect(corsHeaderNames(answer.headers)).toEqual([]);
      expect(upstreamCalls()).toBe(0);
    });

    it('refuses a method /graphql withholds (HEAD), GraphQL-shaped', async () => {
      const answer = await gateway.http.options('/graphql', { headers: preflight(PORTAL, 'HEAD') });
      expect(answer.status).toBe(403);
      expect(answer.data.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(corsHeaderNames(answer.headers)).toEqual([]);
    });

    it('leaves an OPTIONS that is no preflight at 405 with Allow', async () => {
      for (const headers of [{}, { origin: PORTAL }, { 'access-control-request-method': 'GET' }]) {
        const answer = await gateway.http.options(BUDGET, { headers });
        expect(answer.status).toBe(405);
        expect(answer.headers['allow']).toBe('GET, HEAD, PATCH');
      }
    });

    it('leaves unknown paths 404 and the operational paths without CORS', async () => {
      const unknown = await gateway.http.options('/v1/customers/x/usagebudgets', {
        headers: preflight(PORTAL, 'GET'),
      });
      expect(unknown.status).toBe(404);
      expect(corsHeaderNames(unknown.headers)).toEqual([]);
      const health = await gateway.http.options('/healthz', { headers: preflight(PORTAL, 'GET', '') });
      expect(health.status).toBe(405);
      const readiness = await gateway.http.get('/readyz', { headers: { origin: PORTAL } });
      expect(corsHeaderNames(readiness.headers)).toEqual([]);
    });

    it('is granted while the replica drains, so the request itself gets a 503 the page can read', async () => {
      const drained = await startGateway({ sandbox: gateway.sandbox, env: { CORS_ALLOWED_ORIGINS: PORTAL } });
      try {
        drained.app.get(ShutdownState).beginDrain();
        const granted = await drained.http.options(BUDGET, { headers: preflight(PORTAL, 'GET') });
        expect(granted.status).toBe(204);
        expect(granted.headers['access-control-allow-origin']).toBe(PORTAL);
        expect(granted.headers['connection']).toBe('close');
        const refused = await drained.http.get(BUDGET, { headers: { origin: PORTAL } });
        expect(refused.status).toBe(503);
        expect(refused.data.code).toBe('SHUTTING_DOWN');
        expectGrantedAnswer(refused.headers, PORTAL);
      } finally {
        await drained.close();
      }
    });
  });

  describe('answers to a listed origin', () => {
    it('a REST read, a change and its idempotency key echo', async () => {
      const read = await gateway.http.get(BUDGET, { headers: { origin: PORTAL } });
      expect(read.status).toBe(200);
      expectGrantedAnswer(read.headers, PORTAL);
      const key = '2b1f0c3e-8f0e-4e4a-9a59-2f1f0e9d1c11';
      const change = await gateway.http.patch(
        BUDGET,
        { amount: 321 },
        { headers: { origin: PORTAL, 'content-type': 'application/json', 'ms-requestid': key } },
      );
      expect(change.status).toBe(200);
      expect(change.headers['ms-requestid']).toBe(key);
      expectGrantedAnswer(change.headers, PORTAL);
    });

    it('a HEAD', async () => {
      const head = await gateway.http.head(BUDGET, { headers: { origin: PORTAL } });
      expect(head.status).toBe(200);
      expectGrantedAnswer(head.headers, PORTAL);
    });

    it('GraphQL answers, a field error included', async () => {
      const ok = await gateway.graphql(GET_BUDGET, { id: CONTOSO }, { origin: PORTAL });
      expect(ok.data?.customerUsageBudget.amount).toBe(100);
      expectGrantedAnswer(ok.headers, PORTAL);
      const missing = await gateway.graphql(GET_BUDGET, { id: UNKNOWN_CUSTOMER }, { origin: PORTAL });
      expect(missing.errors?.[0].extensions.code).toBe('NOT_FOUND');
      expectGrantedAnswer(missing.headers, PORTAL);
    });

    it.each([
      [
        'a problem+json 400',
        () => gateway.http.get('/v1/customers/not-a-guid/usagebudget', { headers: { origin: PORTAL } }),
        400,
      ],
      [
        'an upstream 404',
        () =>
          gateway.http.get(`/v1/customers/${UNKNOWN_CUSTOMER}/usagebudget`, { headers: { origin: PORTAL } }),
        404,
      ],
      ['a 405 from the early hook', () => gateway.http.put(BUDGET, {}, { headers: { origin: PORTAL } }), 405],
      [
        'a 415 from the media-type hook',
        () =>
          gateway.http.patch(BUDGET, 'amount=1', {
            headers: { origin: PORTAL, 'content-type': 'application/x-www-form-urlencoded' },
          }),
        415,
      ],
      [
        'Apollo’s CSRF refusal',
        () =>
          gateway.http.get(`/graphql?query=${encodeURIComponent('{__typename}')}`, {
            headers: { origin: PORTAL, accept: 'application/json' },
          }),
        400,
      ],
    ])('%s', async (_case, send, status) => {
      const answer = await send();
      expect(answer.status).toBe(status);
      expectGrantedAnswer(answer.headers, PORTAL);
    });

    it('refusals of the GraphQL gate and the REST guard (401 with WWW-Authenticate, 429 with Retry-After)', async () => {
      const guarded = await startGuarded();
      try {
        const anonymous = await guarded.graphql(GET_BUDGET, { id: CONTOSO }, { origin: PORTAL });
        expect(anonymous.status).toBe(401);
        expect(anonymous.headers['www-authenticate']).toBe('Bearer');
        expectGrantedAnswer(anonymous.headers, PORTAL);
        const token = await gateway.sandbox.issueCallerToken({ roles: [READ_WRITE] });
        const headers = { origin: PORTAL, authorization: `Bearer ${token}` };
        expect((await guarded.http.get(BUDGET, { headers })).status).toBe(200);
        const limited = await guarded.http.get(BUDGET, { headers });
        expect(limited.status).toBe(429);
        expect(limited.headers['retry-after']).toMatch(/^\d+$/);
        expectGrantedAnswer(limited.headers, PORTAL);
      } finally {
        await guarded.close();
      }
    });

    it('a URL the router cannot decode on an API path: the 400 a page can read (no hook runs for it)', async () => {
      const bad = await gateway.http.get('/v1/customers/%zz/usagebudget', { headers: { origin: PORTAL } });
      expect(bad.status).toBe(400);
      expect(bad.data).toMatchObject({ code: 'BAD_USER_INPUT', correlationId: expect.any(String) });
      expectGrantedAnswer(bad.headers, PORTAL);
      // Another path, and another origin: no grant, and still a Vary.
      for (const [path, origin] of [
        ['/nowhere/%zz', PORTAL],
        ['/v1/customers/%zz/usagebudget', STRANGER],
      ]) {
        const refused = await gateway.http.get(path, { headers: { origin } });
        expect(refused.status).toBe(400);
        expect(corsHeaderNames(refused.headers)).toEqual([]);
        expect(refused.headers['vary']).toBe('Origin');
      }
      expect(upstreamCalls()).toBe(0);
    });
  });

  describe('answers to other origins', () => {
    it('never name an unlisted origin, nor *, and still vary on Origin', async () => {
      for (const origin of [STRANGER, 'null', `${PORTAL}.evil.example`, `${PORTAL}/`]) {
        const read = await gateway.http.get(BUDGET, { headers: { origin } });
        expect(read.status).toBe(200);
        expect(corsHeaderNames(read.headers)).toEqual([]);
        expect(read.headers['vary']).toBe('Origin');
      }
      const sameOrigin = await gateway.http.get(BUDGET);
      expect(corsHeaderNames(sameOrigin.headers)).toEqual([]);
      expect(sameOrigin.headers['vary']).toBe('Origin');
    });
  });
});

describe('CORS off (no CORS_ALLOWED_ORIGINS): the gateway answers as it always did', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  it('refuses a preflight with 405 and Allow, and adds no CORS header or Vary anywhere', async () => {
    const rest = await gateway.http.options(BUDGET, { headers: preflight(PORTAL, 'GET') });
    expect(rest.status).toBe(405);
    expect(rest.headers['allow']).toBe('GET, HEAD, PATCH');
    const graphql = await gateway.http.options('/graphql', { headers: preflight(PORTAL, 'POST') });
    expect(graphql.status).toBe(405);
    expect(graphql.headers['allow']).toBe('GET, POST');
    const read = await gateway.http.get(BUDGET, { headers: { origin: PORTAL } });
    expect(read.status).toBe(200);
    for (const answer of [rest, graphql, read]) {
      expect(corsHeaderNames(answer.headers)).toEqual([]);
      expect(answer.headers['vary']).toBeUndefined();
    }
  });
});
