import axios from 'axios';
import { jwtVerify } from 'jose';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from 'partner-center-sandbox';
import { IssuerKeys } from '../../src/auth/issuer-keys';
import { IssuerUnavailableError } from '../../src/auth/issuer-unavailable.error';
import { createConnectionPool, type ConnectionPool } from '../../src/common/http/connection-pool';
import { startHostileIssuer, type HostileIssuer } from '../support/hostile-issuer';
import { startGatewayProcess, type GatewayProcess } from './observability/support/gateway-process';
import { CONTOSO } from './support/ids';

const BUDGET = `/v1/customers/${CONTOSO}/usagebudget`;

/**
 * The inbound token issuer misbehaving as real ones do, against the built gateway (`node dist/main.js`): its keys
 * must be read within a bound, whatever the issuer sends, and a caller never waits on a stalled issuer.
 */
describe('a misbehaving token issuer', () => {
  const setup = gatewayOnHostileIssuer('issuer-faults-');
  let issuer: HostileIssuer;
  beforeAll(() => (issuer = setup.issuer));
  afterEach(() => {
    issuer.jwks = 'ok';
  });

  const read = (token: string) => setup.read(token, 20_000);

  /** A request with the header fields exactly as given, repeated ones included (axios would merge them). */
  const sendWithHeaders = (rawHeaders: string[], graphql?: string) =>
    new Promise<{ status: number; challenge?: string; body: string }>((resolve, reject) => {
      const target = graphql === undefined ? `${setup.url}${BUDGET}` : `${setup.url}/graphql`;
      const headers =
        graphql === undefined ? rawHeaders : [...rawHeaders, 'Content-Type', 'application/json'];
      const options = { method: graphql === undefined ? 'GET' : 'POST', headers, timeout: 20_000 };
      const sent = request(target, options, (answer) => {
        let body = '';
        answer.on('data', (chunk: Buffer) => (body += chunk.toString()));
        answer.on('end', () =>
          resolve({ status: answer.statusCode ?? 0, challenge: answer.headers['www-authenticate'], body }),
        );
      });
      sent.on('error', reject);
      sent.end(graphql);
    });

  it('answers 503 at once to a JWKS that never ends, reading no more of it than an upstream answer may hold', async () => {
    issuer.jwks = 'oversized';
    const huge = await read(await issuer.token());
    expect(huge).toMatchObject({ status: 503, data: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(huge.ms).toBeLessThan(5_000);
  });

  it('answers 503 within the fetch timeout when the JWKS stalls mid-answer, and recovers when it answers', async () => {
    issuer.jwks = 'stall-body';
    const stalled = await read(await issuer.token());
    expect(stalled).toMatchObject({ status: 503, data: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(stalled.ms).toBeLessThan(8_000);

    issuer.jwks = 'ok';
    expect((await read(await issuer.token())).status).toBe(200);
  });

  it.each([
    ['a valid token first', (valid: string) => [`Bearer ${valid}`, 'Bearer not-a-token']],
    ['a valid token second', (valid: string) => ['Bearer not-a-token', `Bearer ${valid}`]],
    ['the same valid token twice', (valid: string) => [`Bearer ${valid}`, `Bearer ${valid}`]],
    // Node keeps the first, empty one: read alone, the request would look like one without a token.
    ['an empty one first', (valid: string) => ['', `Bearer ${valid}`]],
  ])('refuses two Authorization headers (%s) with 401 and a Bearer challenge', async (_name, values) => {
    const valid = await issuer.token();
    expect((await read(valid)).status).toBe(200); // verified and remembered: the refusal is not for the token
    const [first, second] = values(valid);
    const twice = ['Host', '127.0.0.1', 'Authorization', first, 'Authorization', second];
    const answer = await sendWithHeaders(twice);
    const graphql = await sendWithHeaders(
      twice,
      JSON.stringify({ query: `{ customerUsageBudget(customerId: "${CONTOSO}") { amount } }` }),
    );
    expect(answer.status).toBe(401);
    expect(answer.challenge).toBe('Bearer error="invalid_request"');
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(graphql.status).toBe(401);
    expect(graphql.challenge).toBe('Bearer error="invalid_request"');
    expect(JSON.parse(graphql.body)).not.toHaveProperty('data');
  });

  it.each([
    [
      'a v1.0 token (iss https://sts.windows.net/{tenant}/) for a v2.0 issuer',
      () => ({ iss: 'https://sts.windows.net/tenant/' }),
      /issuer/,
    ],
    ['a token for another API', () => ({ aud: 'api://another-api' }), /audience/],
    ['an expired token', () => ({ exp: Math.floor(Date.now() / 1000) - 600 }), /expired/],
    ['a token not valid yet', () => ({ nbf: Math.floor(Date.now() / 1000) + 600 }), /not valid yet/],
  ])('says why it refuses %s, with 401 and a Bearer challenge', async (_name, claims, reason) => {
    const refused = await read(await issuer.token(claims()));
    expect(refused).toMatchObject({ status: 401, data: { code: 'UNAUTHENTICATED' } });
    expect(refused.data.detail).toMatch(reason);
  });
});

/** The issuer's discovery document, misbehaving before the gateway has ever read it. */
describe('a misbehaving discovery document', () => {
  const setup = gatewayOnHostileIssuer('discovery-faults-');
  let issuer: HostileIssuer;
  beforeAll(() => (issuer = setup.issuer));

  const read = (token: string) => setup.read(token, 30_000);

  it.each([
    ['stalls mid-answer', 'stall-body' as const],
    ['never ends', 'oversized' as const],
    ['is down', 'down' as const],
  ])('answers 503 within one fetch timeout when it %s', async (_name, behaviour) => {
    issuer.discovery = behaviour;
    const failed = await read(await issuer.token());
    expect(failed).toMatchObject({ status: 503, data: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(failed.ms).toBeLessThan(7_000);
  });

  it('reads the keys on the next token once the document answers', async () => {
    issuer.discovery = 'ok';
    expect((await read(await issuer.token())).status).toBe(200);
  });
});

/** The key set itself, on a clock the test moves: rotations, hostile key ids, an issuer down once keys are held. */
describe('the issuer keys', () => {
  let issuer: HostileIssuer;
  let pool: ConnectionPool;
  let clock: number;
  let keys: IssuerKeys;
  const COOLDOWN_MS = 30_000;
  const MAX_AGE_MS = 3_600_000;

  beforeAll(async () => {
    issuer = await startHostileIssuer();
    pool = createConnectionPool([issuer.certPem]);
  });
  afterAll(async () => {
    await pool.destroy();
    await issuer.close();
  });
  beforeEach(() => {
    issuer.jwks = 'ok';
    issuer.publishAll();
    clock = 1_000_000;
    keys = new IssuerKeys(issuer.jwksUri, pool, {
      fetchTimeoutMs: 2_000,
      cooldownMs: COOLDOWN_MS,
      maxAgeMs: MAX_AGE_MS,
      now: () => clock,
    });
  });

  const verify = async (token: string) =>
    (await jwtVerify(token, keys.getKey, { algorithms: ['RS256'] })).payload;

  it('fetches the JWKS once for many tokens', async () => {
    const before = issuer.jwksRequests();
    await Promise.all([1, 2, 3].map(async () => verify(await issuer.token())));
    await verify(await issuer.token());
    expect(issuer.jwksRequests() - before).toBe(1);
  });

  it('accepts a token signed with a key published after the keys were read: one refetch', async () => {
    await verify(await issuer.token());
    issuer.rotate({ publish: true });
    clock += COOLDOWN_MS;
    const before = issuer.jwksRequests();
    await expect(verify(await issuer.token())).resolves.toHaveProperty('sub');
    await verify(await issuer.token());
    expect(issuer.jwksRequests() - before).toBe(1);
  });

  it('refetches for unknown key ids at most once per cooldown, however many arrive', async () => {
    await verify(await issuer.token());
    issuer.rotate({ publish: false });
    clock += COOLDOWN_MS;
    const before = issuer.jwksRequests();
    for (let i = 0; i < 5; i++) {
      await expect(verify(await issuer.token())).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    }
    expect(issuer.jwksRequests() - before).toBe(1);
  });

  it('accepts a token signed with a new key that arrives when the keys are stale: one refetch', async () => {
    await verify(await issuer.token());
    issuer.rotate({ publish: true });
    clock += MAX_AGE_MS;
    const before = issuer.jwksRequests();
    await expect(verify(await issuer.token())).resolves.toHaveProperty('sub');
    expect(issuer.jwksRequests() - before).toBe(1);
  });

  it('keeps serving the keys it holds when they are stale and the issuer is down', async () => {
    const token = await issuer.token();
    await verify(token);
    issuer.jwks = 'down';
    clock += MAX_AGE_MS;
    await expect(verify(token)).resolves.toHaveProperty('sub');
    await expect(verify(await issuer.token())).resolves.toHaveProperty('sub');
  });

  it('says the issuer is unavailable when it has never read the keys', async () => {
    issuer.jwks = 'down';
    await expect(verify(await issuer.token())).rejects.toBeInstanceOf(IssuerUnavailableError);
  });
});

describe('readiness behind a token issuer (AUTH_ISSUER)', () => {
  const setup = gatewayOnHostileIssuer('issuer-readiness-');
  const readiness = async () => {
    const answer = await axios.get(`${setup.url}/readyz`, { validateStatus: () => true, timeout: 10_000 });
    return { status: answer.status, keys: answer.data?.details?.tokenIssuerKeys as unknown };
  };

  it("is not ready until it has read the issuer's keys, then stays ready on the keys it holds while the issuer is down", async () => {
    const issuer = setup.issuer;
    issuer.discovery = 'down';
    expect(await readiness()).toMatchObject({
      status: 503,
      keys: { status: 'down', message: expect.stringContaining('no keys: OpenID discovery') },
    });
    expect(issuer.discoveryRequests()).toBeGreaterThan(0);

    // Up again: ready once the answer of the last probe (reused for 5 s) has aged.
    issuer.discovery = 'ok';
    let answer = await readiness();
    for (let probe = 0; probe < 40 && answer.status !== 200; probe++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await readiness();
    }
    expect(answer).toMatchObject({ status: 200, keys: { status: 'up', message: 'keys read' } });

    // Down again: the keys held keep the replica ready, and serving.
    issuer.discovery = 'down';
    issuer.jwks = 'down';
    const jwksRequests = issuer.jwksRequests();
    expect(await readiness()).toMatchObject({ status: 200, keys: { status: 'up', message: 'keys held' } });
    expect((await setup.read(await issuer.token(), 10_000)).status).toBe(200);
    expect(issuer.jwksRequests()).toBe(jwksRequests);
  }, 30_000);
});

/**
 * The built gateway (`node dist/main.js`) on the sandbox, verifying callers' tokens against a hostile issuer it
 * trusts through NODE_EXTRA_CA_CERTS: started before the describe's tests, stopped after them.
 */
function gatewayOnHostileIssuer(stateDirPrefix: string) {
  let sandbox: RunningSandbox;
  let issuer: HostileIssuer;
  let gateway: GatewayProcess;
  let stateDir: string;

  beforeAll(async () => {
    [sandbox, issuer] = await Promise.all([startSandbox({ quiet: true }), startHostileIssuer()]);
    stateDir = mkdtempSync(join(tmpdir(), stateDirPrefix));
    const caFile = join(stateDir, 'ca.pem');
    writeFileSync(caFile, `${sandbox.caCertPem}\n${issuer.certPem}\n`);
    gateway = await startGatewayProcess(sandbox, {
      AUTH_DISABLED: 'false',
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      NODE_EXTRA_CA_CERTS: caFile,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([sandbox?.close(), issuer?.close()]);
    rmSync(stateDir, { recursive: true, force: true });
  });

  return {
    get issuer() {
      return issuer;
    },
    get url() {
      return gateway.url;
    },
    /** A REST read with this bearer token: its status, body and how long it took. */
    async read(token: string, timeoutMs: number) {
      const started = Date.now();
      const response = await axios.get(`${gateway.url}${BUDGET}`, {
        headers: { authorization: `Bearer ${token}` },
        validateStatus: () => true,
        timeout: timeoutMs,
      });
      return {
        status: response.status,
        data: response.data as Record<string, unknown>,
        ms: Date.now() - started,
      };
    },
  };
}
