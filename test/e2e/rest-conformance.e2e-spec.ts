import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { startSandbox, type RunningSandbox } from 'partner-center-sandbox';
import { startHostileIssuer, type HostileIssuer } from '../support/hostile-issuer';
import { startGateway, type TestGateway } from './support/gateway';
import { CONTOSO } from './support/ids';

const BUDGET = `/v1/customers/${CONTOSO}/usagebudget`;
const CORRELATION_ID = '6b3a8c4e-8f0e-4e4a-9a59-2f1f0e9d1c11';
const REQUEST_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const CLOCK_TOLERANCE_SECONDS = 60;

/**
 * The REST mirror as a Partner Center client library uses it, and its bearer authentication as a hostile caller
 * attacks it, with tokens of an issuer the test controls (any claim, any header). Every refusal is a 4xx that sends
 * nothing to Partner Center.
 */
describe('REST conformance', () => {
  let sandbox: RunningSandbox;
  let issuer: HostileIssuer;
  let gateway: TestGateway;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    issuer = await startHostileIssuer();
    gateway = await startGateway({
      sandbox,
      issuerCaCertificates: [issuer.certPem],
      env: {
        AUTH_ISSUER: issuer.issuer,
        AUTH_AUDIENCE: issuer.audience,
        AUTH_CLOCK_TOLERANCE_SECONDS: String(CLOCK_TOLERANCE_SECONDS),
        // Each refusal below for its own reason, not for the address's count of failed tokens.
        AUTH_FAILURES_PER_MINUTE: '0',
      },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await issuer.close();
    await sandbox.close();
  });
  beforeEach(() => sandbox.reset());

  const partnerCenterCalls = () => sandbox.requestLog.entries({ target: 'partner-center' });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const now = () => Math.floor(Date.now() / 1000);
  const read = async (claims: JWTPayload = {}, headers: Record<string, string> = {}) =>
    gateway.http.get(BUDGET, { headers: { ...bearer(await issuer.token(claims)), ...headers } });

  describe("a Partner Center client's requests", () => {
    it.each(['Application/JSON; Charset=UTF-8', 'application/json;charset="utf-8"'])(
      'takes a PATCH body sent as %s',
      async (contentType) => {
        const response = await gateway.http.patch(
          BUDGET,
          JSON.stringify({ Amount: 150, Attributes: { ObjectType: 'SpendingBudget' } }),
          { headers: { ...bearer(await issuer.token()), 'content-type': contentType } },
        );
        expect(response.status).toBe(200);
        expect(response.data).toMatchObject({ amount: 150 });
        expect(partnerCenterCalls()).toHaveLength(1);
      },
    );

    it('answers HEAD as GET without a body, and only to an authenticated caller', async () => {
      const head = await gateway.http.head(BUDGET, { headers: bearer(await issuer.token()) });
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toMatch(/^application\/json/);
      expect(head.data).toBe('');
      const anonymous = await gateway.http.head(BUDGET);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    });

    it('ignores a query string it does not know', async () => {
      const response = await gateway.http.get(`${BUDGET}?$select=amount&api-version=1`, {
        headers: bearer(await issuer.token()),
      });
      expect(response.status).toBe(200);
      expect(response.data).toMatchObject({ amount: 100 });
    });

    it('echoes MS-CorrelationId and MS-RequestId, on a problem+json refusal too', async () => {
      const headers = { 'ms-correlationid': CORRELATION_ID, 'ms-requestid': REQUEST_ID };
      const ok = await read({}, headers);
      expect(ok.headers['ms-correlationid']).toBe(CORRELATION_ID);
      expect(ok.headers['ms-requestid']).toBe(REQUEST_ID);
      const refused = await gateway.http.patch(
        BUDGET,
        { amount: -1 },
        { headers: { ...bearer(await issuer.token()), ...headers } },
      );
      expect(refused.status).toBe(400);
      expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(refused.headers['ms-correlationid']).toBe(CORRELATION_ID);
      expect(refused.headers['ms-requestid']).toBe(REQUEST_ID);
      expect(refused.data).toMatchObject({ code: 'BAD_USER_INPUT', correlationId: CORRELATION_ID });
    });
  });

  describe('a hostile caller', () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signedByAttacker = async (header: Record<string, unknown>) =>
      new SignJWT({
        iss: issuer.issuer,
        aud: issuer.audience,
        sub: 'attacker',
        exp: now() + 600,
        roles: ['UsageBudget.ReadWrite'],
      })
        .setProtectedHeader({ alg: 'RS256', ...header })
        .sign(attacker.privateKey);

    it.each<[string, () => Promise<Record<string, unknown>>]>([
      ['jku', async () => ({ kid: 'attacker', jku: `${sandbox.url}/attacker/jwks` })],
      ['x5u', async () => ({ kid: 'attacker', x5u: `${sandbox.url}/attacker/x5u` })],
      ['jwk', async () => ({ jwk: await exportJWK(attacker.publicKey) })],
    ])('ignores a key offered in the token header (%s)', async (_name, header) => {
      const response = await gateway.http.get(BUDGET, {
        headers: bearer(await signedByAttacker(await header())),
      });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      // Nothing was fetched from where the token pointed.
      expect(sandbox.requestLog.entries().filter((entry) => entry.path.startsWith('/attacker'))).toEqual([]);
      expect(partnerCenterCalls()).toHaveLength(0);
    });

    it.each<[string, number, () => JWTPayload]>([
      ['expired within the clock tolerance', 200, () => ({ exp: now() - CLOCK_TOLERANCE_SECONDS + 5 })],
      ['expired past the clock tolerance', 401, () => ({ exp: now() - CLOCK_TOLERANCE_SECONDS - 5 })],
      [
        'not valid yet, within the clock tolerance',
        200,
        () => ({ nbf: now() + CLOCK_TOLERANCE_SECONDS - 5 }),
      ],
      ['not valid yet, past the clock tolerance', 401, () => ({ nbf: now() + CLOCK_TOLERANCE_SECONDS + 5 })],
      ['for several audiences, ours among them', 200, () => ({ aud: ['api://another', issuer.audience] })],
      ['for several audiences, none ours', 401, () => ({ aud: ['api://another', 'api://third'] })],
      ["of the issuer's name with a trailing slash", 401, () => ({ iss: `${issuer.issuer}/` })],
    ])('answers a token %s with %i', async (_name, status, claims) => {
      const response = await read(claims());
      expect(response.status).toBe(status);
      if (status === 401) {
        expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
        expect(partnerCenterCalls()).toHaveLength(0);
      }
    });

    it('never reads a token from the query string', async () => {
      const response = await gateway.http.get(`${BUDGET}?access_token=${await issuer.token()}`);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(partnerCenterCalls()).toHaveLength(0);
    });

    it('takes the scheme in any letter case (RFC 9110: "bearer")', async () => {
      const token = await issuer.token();
      const response = await gateway.http.get(BUDGET, { headers: { authorization: `bearer ${token}` } });
      expect(response.status).toBe(200);
    });

    it('refuses a verified token without a role with 403, not 401', async () => {
      const response = await read({ roles: undefined });
      expect(response.status).toBe(403);
      expect(response.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
      expect(response.data).toMatchObject({ code: 'FORBIDDEN', correlationId: expect.any(String) });
      expect(partnerCenterCalls()).toHaveLength(0);
    });

    it('takes a single role given as a string, as Microsoft.IdentityModel reads it', async () => {
      expect((await read({ roles: 'UsageBudget.Read' })).status).toBe(200);
      const write = await gateway.http.patch(
        BUDGET,
        { amount: 5 },
        { headers: bearer(await issuer.token({ roles: 'UsageBudget.Read' })) },
      );
      expect(write.status).toBe(403);
    });
  });
});
