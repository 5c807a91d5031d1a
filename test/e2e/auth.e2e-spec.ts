import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Agent, get } from 'node:https';
import { base64url, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose';
import { startSandbox } from 'partner-center-sandbox';
import type { RunningSandbox } from 'partner-center-sandbox';
import { TOKEN_VERIFIER } from '../../src/auth/authenticator';
import type { TokenVerifier } from '../../src/auth/token-verifier';
import { startRedis } from '../support/redis-server';
import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, GET_BUDGET, SET_BUDGET } from './support/ids';
import { expectRateLimitedBeforeExecution } from './support/graphql-refusals';

const READ = 'UsageBudget.Read';
const READ_WRITE = 'UsageBudget.ReadWrite';
const BUDGET = `/v1/customers/${CONTOSO}/usagebudget`;

/** Issue point 1–4: inbound authentication and authorization, with the sandbox as the token issuer. */
describe('inbound authentication and authorization', () => {
  let sandbox: RunningSandbox;
  let gateway: TestGateway;
  let issuer: string;
  let sandboxKid: string;
  let sandboxJwk: Record<string, unknown>;
  let sandboxPublicKeyPem: string;
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    issuer = `${sandbox.url}/${sandbox.tenantId}/v2.0`;
    gateway = await startGateway({
      sandbox,
      // Every refusal for its own reason: the attack table's bad tokens, all from 127.0.0.1, would reach the limit
      // of failed tokens per address (its own tests are below).
      env: { AUTH_ISSUER: issuer, AUTH_AUDIENCE: sandbox.callerAudience, AUTH_FAILURES_PER_MINUTE: '0' },
    });
    sandboxKid = decodeProtectedHeader(await sandbox.issueCallerToken({ roles: [READ] })).kid!;
    const jwks = (await getJson(
      `${sandbox.url}/${sandbox.tenantId}/discovery/v2.0/keys`,
      sandbox.caCertPem,
    )) as { keys: Array<Record<string, unknown>> };
    sandboxJwk = jwks.keys.find((key) => key.kid === sandboxKid)!;
    sandboxPublicKeyPem = createPublicKey({ key: sandboxJwk as any, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
  });
  afterAll(async () => {
    await gateway.close();
    await sandbox.close();
  });
  beforeEach(() => sandbox.reset());

  const partnerCenterCalls = () => sandbox.requestLog.entries({ target: 'partner-center' });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    iss: issuer,
    aud: sandbox.callerAudience,
    sub: 'attacker',
    iat: now(),
    nbf: now(),
    exp: now() + 3600,
    roles: [READ_WRITE],
    ...extra,
  });
  const signWith = (key: KeyObject | Uint8Array, alg: string, kid: string, payload = claims()) =>
    new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT', kid }).sign(key);

  describe('the attack table: refused, and Partner Center is never called', () => {
    const attacks: Array<[string, () => Promise<Record<string, string>>, 'invalid_token' | 'no_token']> = [
      ['no token', async () => ({}), 'no_token'],
      [
        'an expired token',
        async () => bearer(await sandbox.issueCallerToken({ roles: [READ_WRITE], expiresInSeconds: -600 })),
        'invalid_token',
      ],
      [
        'a token not yet valid',
        async () => bearer(await sandbox.issueCallerToken({ roles: [READ_WRITE], notBeforeSeconds: 600 })),
        'invalid_token',
      ],
      [
        'a token for another audience',
        async () => bearer(await sandbox.issueCallerToken({ roles: [READ_WRITE], aud: 'api://another-api' })),
        'invalid_token',
      ],
      [
        'a token signed by another key under the issuer kid',
        async () => bearer(await signWith(attacker.privateKey, 'RS256', sandboxKid)),
        'invalid_token',
      ],
      [
        'a token signed by another key under an unknown kid',
        async () => bearer(await signWith(attacker.privateKey, 'RS256', 'unknown-kid')),
        'invalid_token',
      ],
      ['an unsigned token (alg none)', async () => bearer(unsigned(claims(), sandboxKid)), 'invalid_token'],
      [
        'HS256 with the public key (PEM) as the secret',
        async () => bearer(await signWith(Buffer.from(sandboxPublicKeyPem), 'HS256', sandboxKid)),
        'invalid_token',
      ],
      [
        'HS256 with the public key (JWK) as the secret',
        async () => bearer(await signWith(Buffer.from(JSON.stringify(sandboxJwk)), 'HS256', sandboxKid)),
        'invalid_token',
      ],
      ['garbage', async () => bearer('not-a-jwt'), 'invalid_token'],
      ['three dots of garbage', async () => bearer('eyJhbGciOiJSUzI1NiJ9.e30.AAAA'), 'invalid_token'],
      [
        'a token in another scheme (Basic)',
        async () => ({ authorization: `Basic ${Buffer.from('user:password').toString('base64')}` }),
        'invalid_token',
      ],
      [
        'a valid token in another scheme',
        async () => ({ authorization: `Token ${await sandbox.issueCallerToken({ roles: [READ_WRITE] })}` }),
        'invalid_token',
      ],
    ];

    it.each(attacks)('REST refuses %s with 401 and a Bearer challenge', async (_name, headers, challenge) => {
      const sent = await headers();
      const response = await gateway.http.get(BUDGET, { headers: sent });
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.data).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(response.headers['www-authenticate']).toBe(
        challenge === 'no_token' ? 'Bearer' : 'Bearer error="invalid_token"',
      );
      const token = sent.authorization?.split(' ')[1];
      if (token) expect(JSON.stringify(response.data)).not.toContain(token);
      expect(partnerCenterCalls()).toHaveLength(0);
    });

    it.each(attacks)(
      'GraphQL refuses %s with 401 and a Bearer challenge, before execution (no data)',
      async (_name, headers, challenge) => {
        const sent = await headers();
        const answer = await gateway.graphql(SET_BUDGET, { input: { customerId: CONTOSO, amount: 1 } }, sent);
        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toBe(
          challenge === 'no_token' ? 'Bearer' : 'Bearer error="invalid_token"',
        );
        expect(answer).not.toHaveProperty('data');
        expect(answer.errors).toEqual([
          {
            message: expect.any(String),
            extensions: { code: 'UNAUTHENTICATED', correlationId: answer.headers['ms-correlationid'] },
          },
        ]);
        const token = sent.authorization?.split(' ')[1];
        if (token) expect(JSON.stringify(answer.errors)).not.toContain(token);
        expect(partnerCenterCalls()).toHaveLength(0);
      },
    );

    it.each([
      ['__typename', '{ __typename }'],
      ['introspection', '{ __schema { queryType { name } } }'],
    ])('answers no %s to a caller without a valid token', async (_name, query) => {
      const forged = await signWith(attacker.privateKey, 'RS256', sandboxKid);
      for (const headers of [{}, bearer(forged)]) {
        const answer = await gateway.graphql(query, undefined, headers);
        expect(answer.status).toBe(401);
        expect(answer).not.toHaveProperty('data');
        expect(answer.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
      }
    });

    it.each(['/%67raphql', '/graphq%6C', '/graphql?via=query-string'])(
      'refuses a GraphQL request reaching the endpoint as %s without a token, like /graphql',
      async (url) => {
        const response = await gateway.http.post(
          url,
          { query: '{ __typename }' },
          { headers: { 'content-type': 'application/json' } },
        );
        expect(response.status).toBe(401);
        expect(response.data).not.toHaveProperty('data');
        // GraphQL-shaped, like any refusal of the GraphQL endpoint, whatever spelling of its path reached it.
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(response.data.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      },
    );

    it('refuses a GraphQL query sent with GET without a token, like a POST', async () => {
      const response = await gateway.http.get('/graphql', {
        params: { query: '{ __typename }' },
        headers: { 'apollo-require-preflight': 'true' },
      });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.data).not.toHaveProperty('data');
    });

    it('refuses a token of another issuer, though signed by a trusted key', async () => {
      const strict = await startGateway({
        sandbox,
        env: {
          AUTH_ISSUER: `${sandbox.url}/00000000-0000-4000-8000-000000000000/v2.0`,
          AUTH_JWKS_URI: `${sandbox.url}/${sandbox.tenantId}/discovery/v2.0/keys`,
          AUTH_AUDIENCE: sandbox.callerAudience,
        },
      });
      try {
        const token = await sandbox.issueCallerToken({ roles: [READ_WRITE] });
        const response = await strict.http.get(BUDGET, { headers: bearer(token) });
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
        expect(
          (await strict.graphql(GET_BUDGET, { id: CONTOSO }, bearer(token))).errors?.[0].extensions.code,
        ).toBe('UNAUTHENTICATED');
        expect(partnerCenterCalls()).toHaveLength(0);
      } finally {
        await strict.close();
      }
    });

    it('REST refuses a read role on PATCH with 403', async () => {
      const token = await sandbox.issueCallerToken({ roles: [READ] });
      const response = await gateway.http.patch(BUDGET, { amount: 5 }, { headers: bearer(token) });
      expect(response.status).toBe(403);
      expect(response.data).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      expect(partnerCenterCalls()).toHaveLength(0);
    });

    it('GraphQL refuses a read role on the mutation with FORBIDDEN', async () => {
      const token = await sandbox.issueCallerToken({ roles: [READ] });
      const answer = await gateway.graphql(
        SET_BUDGET,
        { input: { customerId: CONTOSO, amount: 5 } },
        bearer(token),
      );
      // Authenticated, so executed: the permission is a field error of a 200, as any resolver's failure is.
      expect(answer.status).toBe(200);
      expect(answer).toHaveProperty('data', null);
      expect(answer.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(partnerCenterCalls()).toHaveLength(0);
    });

    it('refuses a valid token with no role and no scope, on REST and GraphQL', async () => {
      const token = await sandbox.issueCallerToken({});
      expect((await gateway.http.get(BUDGET, { headers: bearer(token) })).status).toBe(403);
      expect(
        (await gateway.graphql(GET_BUDGET, { id: CONTOSO }, bearer(token))).errors?.[0].extensions.code,
      ).toBe('FORBIDDEN');
      expect(partnerCenterCalls()).toHaveLength(0);
    });

    it('refuses an unrelated scope', async () => {
      const token = await sandbox.issueCallerToken({ scp: 'User.Read user_impersonation' });
      expect((await gateway.http.get(BUDGET, { headers: bearer(token) })).status).toBe(403);
      expect(partnerCenterCalls()).toHaveLength(0);
    });
  });

  describe('allowed callers', () => {
    it('reads with the Read app role, on REST and GraphQL', async () => {
      const token = await sandbox.issueCallerToken({ roles: [READ] });
      const response = await gateway.http.get(BUDGET, { headers: bearer(token) });
      expect(response.status).toBe(200);
      expect(response.data).toMatchObject({ amount: 100 });
      const answer = await gateway.graphql(GET_BUDGET, { id: CONTOSO }, bearer(token));
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.customerUsageBudget.amount).toBe(100);
    });

    it('writes with the ReadWrite app role, on REST and GraphQL', async () => {
      const token = await sandbox.issueCallerToken({ roles: [READ_WRITE] });
      expect((await gateway.http.patch(BUDGET, { amount: 321 }, { headers: bearer(token) })).status).toBe(
        200,
      );
      const answer = await gateway.graphql(
        SET_BUDGET,
        { input: { customerId: CONTOSO, amount: 654 } },
        bearer(token),
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.updateUsageBudget.amount).toBe(654);
    });

    it('accepts the permissions as delegated scopes (scp)', async () => {
      const reader = await sandbox.issueCallerToken({ scp: `User.Read ${READ}` });
      expect((await gateway.http.get(BUDGET, { headers: bearer(reader) })).status).toBe(200);
      expect((await gateway.http.patch(BUDGET, { amount: 7 }, { headers: bearer(reader) })).status).toBe(403);
      const writer = await sandbox.issueCallerToken({ scp: READ_WRITE });
      const answer = await gateway.graphql(
        SET_BUDGET,
        { input: { customerId: CONTOSO, amount: 77 } },
        bearer(writer),
      );
      expect(answer.data?.updateUsageBudget.amount).toBe(77);
    });

    it('accepts a token within the clock tolerance', async () => {
      const token = await sandbox.issueCallerToken({ roles: [READ], expiresInSeconds: -20 });
      expect((await gateway.http.get(BUDGET, { headers: bearer(token) })).status).toBe(200);
    });

    it('leaves liveness and the OpenAPI document public', async () => {
      expect((await gateway.http.get('/healthz')).status).toBe(200);
      expect((await gateway.http.get('/openapi.json')).status).toBe(200);
    });

    it('leaves the GraphiQL page public', async () => {
      const page = await gateway.http.get('/graphql', { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(String(page.data)).toMatch(/graphiql/i);
    });
  });

  describe('sandbox mode', () => {
    let sandboxMode: TestGateway;
    beforeAll(async () => {
      sandboxMode = await startGateway({ sandbox });
    });
    afterAll(() => sandboxMode.close());

    it('runs anonymous calls as the sandbox identity, with full rights', async () => {
      expect((await sandboxMode.http.get(BUDGET)).status).toBe(200);
      const answer = await sandboxMode.graphql(SET_BUDGET, { input: { customerId: CONTOSO, amount: 9 } });
      expect(answer.data?.updateUsageBudget.amount).toBe(9);
    });

    it('validates a token when one is sent, permissions included', async () => {
      const reader = await sandbox.issueCallerToken({ roles: [READ] });
      expect((await sandboxMode.http.get(BUDGET, { headers: bearer(reader) })).status).toBe(200);
      expect((await sandboxMode.http.patch(BUDGET, { amount: 3 }, { headers: bearer(reader) })).status).toBe(
        403,
      );
    });

    it('refuses an invalid token instead of downgrading it to anonymous', async () => {
      const forged = await signWith(attacker.privateKey, 'RS256', sandboxKid);
      const response = await sandboxMode.http.get(BUDGET, { headers: bearer(forged) });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      const expired = await sandbox.issueCallerToken({ roles: [READ_WRITE], expiresInSeconds: -600 });
      expect(
        (await sandboxMode.graphql(GET_BUDGET, { id: CONTOSO }, bearer(expired))).errors?.[0].extensions.code,
      ).toBe('UNAUTHENTICATED');
      expect(
        (await sandboxMode.http.get(BUDGET, { headers: { authorization: 'Basic dXNlcjpwYXNz' } })).status,
      ).toBe(401);
      expect(partnerCenterCalls()).toHaveLength(0);
    });
  });

  it('starts while the issuer is unreachable, and answers 503 (not 401) until it can read the keys', async () => {
    const down = await startGateway({
      sandbox,
      env: { AUTH_ISSUER: 'https://127.0.0.1:1/tenant/v2.0', AUTH_AUDIENCE: sandbox.callerAudience },
    });
    try {
      const token = await sandbox.issueCallerToken({ roles: [READ_WRITE] });
      const response = await down.http.get(BUDGET, { headers: bearer(token) });
      expect(response.status).toBe(503);
      expect(response.data).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      const answer = await down.graphql(GET_BUDGET, { id: CONTOSO }, bearer(token));
      expect(answer.status).toBe(503);
      expect(answer).not.toHaveProperty('data');
      expect(answer.errors?.[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(partnerCenterCalls()).toHaveLength(0);
    } finally {
      await down.close();
    }
  });

  it('refuses a token no key could ever verify with 401, not 503, while the issuer is unreachable', async () => {
    const down = await startGateway({
      sandbox,
      env: { AUTH_ISSUER: 'https://127.0.0.1:1/tenant/v2.0', AUTH_AUDIENCE: sandbox.callerAudience },
    });
    try {
      const hopeless = [
        unsigned(claims(), sandboxKid),
        await signWith(Buffer.from(sandboxPublicKeyPem), 'HS256', sandboxKid),
        'not-a-jwt',
      ];
      for (const token of hopeless) {
        // "Retry later" would be a lie: no issuer answer can make these valid.
        const response = await down.http.get(BUDGET, { headers: bearer(token) });
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
        expect(response.data).toMatchObject({ code: 'UNAUTHENTICATED' });
      }
      expect(partnerCenterCalls()).toHaveLength(0);
    } finally {
      await down.close();
    }
  });

  describe('failed tokens per client address (AUTH_FAILURES_PER_MINUTE)', () => {
    const LIMIT = 3;
    let limited: TestGateway;
    let verifications: jest.SpyInstance;
    let forged: string;

    beforeAll(async () => {
      limited = await startGateway({
        sandbox,
        // Behind a trusted proxy, so that each test is a client address of its own (X-Forwarded-For).
        env: {
          AUTH_ISSUER: issuer,
          AUTH_AUDIENCE: sandbox.callerAudience,
          AUTH_FAILURES_PER_MINUTE: String(LIMIT),
          TRUST_PROXY: 'true',
        },
      });
      verifications = jest.spyOn(limited.app.get<TokenVerifier>(TOKEN_VERIFIER), 'verify');
      forged = await signWith(attacker.privateKey, 'RS256', sandboxKid);
    });
    afterAll(() => limited.close());
    beforeEach(() => verifications.mockClear());

    const from = (address: string, headers: Record<string, string> = {}) => ({
      'x-forwarded-for': address,
      ...headers,
    });
    const read = (address: string, headers: Record<string, string> = {}) =>
      limited.http.get(BUDGET, { headers: from(address, headers) });
    const failUpToTheLimit = async (address: string) => {
      for (let i = 0; i < LIMIT; i += 1) expect((await read(address, bearer(forged))).status).toBe(401);
    };

    it("refuses the address's unverified tokens with 429 and Retry-After, without checking them", async () => {
      await failUpToTheLimit('192.0.2.1');
      expect(verifications).toHaveBeenCalledTimes(LIMIT);
      const refused = await read('192.0.2.1', bearer(forged));
      expect(refused.status).toBe(429);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.data).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.data.retryAfterSeconds).toBe(retryAfter);
      // A token never seen before is not checked either, valid or not.
      const fresh = await sandbox.issueCallerToken({ roles: [READ], sub: 'fresh-from-a-refused-address' });
      expect((await read('192.0.2.1', bearer(fresh))).status).toBe(429);
      expect(verifications).toHaveBeenCalledTimes(LIMIT);
      expect(partnerCenterCalls()).toHaveLength(0);
    });

    it('answers GraphQL from a refused address with 429, Retry-After and no data', async () => {
      const graphql = () => limited.graphql(GET_BUDGET, { id: CONTOSO }, from('192.0.2.2', bearer(forged)));
      for (let i = 0; i < LIMIT; i += 1) expect((await graphql()).status).toBe(401);
      const answer = await graphql();
      expectRateLimitedBeforeExecution(answer);
      expect(verifications).toHaveBeenCalledTimes(LIMIT);
    });

    it('keeps serving a token verified before from that address', async () => {
      const known = bearer(
        await sandbox.issueCallerToken({ roles: [READ], sub: 'known-behind-the-same-nat' }),
      );
      expect((await read('192.0.2.3', known)).status).toBe(200);
      await failUpToTheLimit('192.0.2.3');
      expect((await read('192.0.2.3', bearer(forged))).status).toBe(429);
      expect((await read('192.0.2.3', known)).status).toBe(200);
      const answer = await limited.graphql(GET_BUDGET, { id: CONTOSO }, from('192.0.2.3', known));
      expect(answer.data?.customerUsageBudget.amount).toBe(100);
    });

    it('counts each address on its own', async () => {
      await failUpToTheLimit('192.0.2.4');
      expect((await read('192.0.2.4', bearer(forged))).status).toBe(429);
      expect((await read('192.0.2.5', bearer(forged))).status).toBe(401);
    });

    it('counts no missing token: it costs no verification', async () => {
      for (let i = 0; i < LIMIT + 2; i += 1) expect((await read('192.0.2.6')).status).toBe(401);
      expect((await read('192.0.2.6', bearer(forged))).status).toBe(401);
    });

    it('leaves health probes and metrics to a refused address', async () => {
      await failUpToTheLimit('192.0.2.7');
      const headers = from('192.0.2.7', bearer(forged));
      expect((await limited.http.get('/healthz', { headers })).status).toBe(200);
      expect((await limited.http.get('/readyz', { headers })).status).toBe(200);
      expect((await limited.http.get('/metrics', { headers })).status).toBe(200);
    });

    it('behind TRUST_PROXY=<the proxy>, counts the address the proxy saw, not what the caller wrote before it', async () => {
      const behindProxy = await startGateway({
        sandbox,
        // The test's client connects from 127.0.0.1: it is the proxy.
        env: {
          AUTH_ISSUER: issuer,
          AUTH_AUDIENCE: sandbox.callerAudience,
          AUTH_FAILURES_PER_MINUTE: String(LIMIT),
          TRUST_PROXY: '127.0.0.1',
        },
      });
      try {
        // The proxy appends the address it saw (192.0.2.8); what comes before it is the caller's to invent.
        const viaProxy = (invented: string, seen: string) =>
          behindProxy.http.get(BUDGET, {
            headers: { 'x-forwarded-for': `${invented}, ${seen}`, ...bearer(forged) },
          });
        for (let i = 0; i < LIMIT; i += 1)
          expect((await viaProxy(`198.51.100.${i}`, '192.0.2.8')).status).toBe(401);
        expect((await viaProxy('198.51.100.99', '192.0.2.8')).status).toBe(429);
        // Another address seen by the proxy is counted on its own (not the proxy's own socket address for all).
        expect((await viaProxy('198.51.100.1', '192.0.2.9')).status).toBe(401);
      } finally {
        await behindProxy.close();
      }
    });

    it("counts the fleet's failures together on Redis", async () => {
      const redis = await startRedis();
      const replicas: TestGateway[] = [];
      try {
        const env = {
          AUTH_ISSUER: issuer,
          AUTH_AUDIENCE: sandbox.callerAudience,
          AUTH_FAILURES_PER_MINUTE: String(LIMIT),
          REDIS_URL: redis.url,
        };
        replicas.push(await startGateway({ sandbox, env }), await startGateway({ sandbox, env }));
        const [first, second] = replicas;
        for (let i = 0; i < LIMIT; i += 1)
          expect((await first.http.get(BUDGET, { headers: bearer(forged) })).status).toBe(401);
        // The second replica checked one token of this address, and learnt it had reached the fleet's limit.
        expect((await second.http.get(BUDGET, { headers: bearer(forged) })).status).toBe(401);
        expect((await second.http.get(BUDGET, { headers: bearer(forged) })).status).toBe(429);
      } finally {
        for (const replica of replicas) await replica.close();
        await redis.close();
      }
    });
  });
});

function unsigned(payload: JWTPayload, kid: string): string {
  const encode = (value: object) => base64url.encode(JSON.stringify(value));
  return `${encode({ alg: 'none', typ: 'JWT', kid })}.${encode(payload)}.`;
}

function getJson(url: string, ca: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get(url, { agent: new Agent({ ca }) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    }).on('error', reject);
  });
}
