import axios from 'axios';
import type { RunningSandbox } from 'partner-center-sandbox';
import type { HostileIssuer, TokenAnswer } from '../support/hostile-issuer';
import { sandboxAsPartnerCenter } from '../support/sandbox-as-partner-center';
import type { GatewayProcess } from './observability/support/gateway-process';
import { assertNoSecrets } from './support/gateway';
import { sandboxBehindHostileEntraId } from './support/hostile-entra-id';
import { CONTOSO } from './support/ids';

const BUDGET = `/v1/customers/${CONTOSO}/usagebudget`;

/** Nothing the gateway wrote holds the client secret, nor anything shaped like a token. */
const noSecretWritten = (gateway: GatewayProcess, sandbox: RunningSandbox) =>
  assertNoSecrets(gateway.stdout() + gateway.stderr(), [sandbox.defaultClient.clientSecret]);

/**
 * Entra ID's token endpoint answering as real services misbehave (fronted by a local server that rewrites the
 * sandbox's answers), against the built gateway (`node dist/main.js`) in app mode: every failure typed, no secret in
 * an answer or a log line, and no more token requests than the tokens' lifetimes call for.
 */
describe('a misbehaving Entra ID token endpoint', () => {
  const fixture = sandboxBehindHostileEntraId({
    folderPrefix: 'entra-id-faults-',
    afterStop: noSecretWritten,
  });
  let sandbox: RunningSandbox;
  let entraId: HostileIssuer;
  beforeAll(() => ({ sandbox, entraId } = fixture));

  const { start } = fixture;
  const read = async () => {
    const response = await axios.get(`${fixture.gateway!.url}${BUDGET}`, {
      validateStatus: () => true,
      timeout: 30_000,
    });
    return {
      status: response.status,
      data: response.data as Record<string, any>,
      text: JSON.stringify(response.data),
    };
  };
  /** Calls one after another over 1.5 s: longer than a token that states no lifetime seems to live. */
  const reads = async (count: number) => {
    const answers = [];
    for (let i = 0; i < count; i++) {
      answers.push(await read());
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return answers;
  };
  const tokenRequestsDuring = async (work: () => Promise<unknown>) => {
    const before = entraId.tokenRequests();
    await work();
    return entraId.tokenRequests() - before;
  };

  it('takes an expires_in sent as a string as the lifetime it says', async () => {
    await start(({ status, body }) => ({
      status,
      body: JSON.stringify({ ...body, expires_in: String(body.expires_in) }),
    }));
    const requests = await tokenRequestsDuring(async () => {
      for (const answer of await reads(5)) expect(answer.status).toBe(200);
    });
    expect(requests).toBe(1);
  });

  it('does not ask for a token per call when the answer states no lifetime', async () => {
    await start(({ status, body }) => {
      const { expires_in: _dropped, ext_expires_in: _too, ...rest } = body;
      return { status, body: JSON.stringify(rest) };
    });
    const requests = await tokenRequestsDuring(async () => {
      for (const answer of await reads(5)) expect(answer.status).toBe(200);
    });
    expect(requests).toBe(1);
  });

  it('does not ask for a token per call when the lifetime is a few seconds', async () => {
    await start(({ status, body }) => ({ status, body: JSON.stringify({ ...body, expires_in: 5 }) }));
    const requests = await tokenRequestsDuring(async () => {
      for (const answer of await reads(5)) expect(answer.status).toBe(200);
    });
    expect(requests).toBe(1);
  });

  it("renews the token when Entra ID's refresh_in says, in the background", async () => {
    await start(({ status, body }) => ({ status, body: JSON.stringify({ ...body, refresh_in: 2 }) }));
    const requests = await tokenRequestsDuring(async () => {
      for (const answer of await reads(10)) expect(answer.status).toBe(200);
    });
    expect(requests).toBeGreaterThanOrEqual(2);
    expect(requests).toBeLessThanOrEqual(4); // every 2 s or so, not per call
  });

  it('answers an expired client secret (AADSTS7000222) with a typed 502 naming it, asked once per call, never the secret', async () => {
    await start(() => ({
      status: 401,
      body: JSON.stringify({
        error: 'invalid_client',
        error_description:
          "AADSTS7000222: The provided client secret keys for app '2d6c1b8e' are expired. Visit the Azure portal to create new keys for your app.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2026-12-07 12:00:00Z",
        error_codes: [7000222],
      }),
    }));
    const requests = await tokenRequestsDuring(async () => {
      const answer = await read();
      expect(answer.status).toBe(502);
      expect(answer.data).toMatchObject({
        code: 'UPSTREAM_ERROR',
        partnerCenter: { source: 'entra-id', code: 'invalid_client' },
      });
      expect(answer.data.partnerCenter.description).toMatch(
        /^AADSTS7000222: The provided client secret keys/,
      );
      expect(answer.text).not.toContain(sandbox.defaultClient.clientSecret);
    });
    expect(requests).toBe(1);
  });

  it('never repeats a secret that Entra ID (or a proxy) echoes in its error description', async () => {
    const secret = sandbox.defaultClient.clientSecret;
    await start(() => ({
      status: 400,
      body: JSON.stringify({
        error: 'invalid_request',
        error_description: `AADSTS900144: bad request client_secret=${secret}&client_id=x`,
      }),
    }));
    const answer = await read();
    expect(answer.status).toBe(502);
    expect(answer.text).not.toContain(secret);
  });

  it.each([
    ['an HTML error page with 500', 500, 503],
    ['an HTML error page with 502', 502, 503],
    ['an HTML page with 200', 200, 502],
    ['an HTML page with 400', 400, 502],
  ])('answers %s with a typed failure (%s → %s)', async (_name, status, expected) => {
    await start(() => ({
      status,
      headers: { 'content-type': 'text/html' },
      body: '<html><body>Bad Gateway</body></html>',
    }));
    const answer = await read();
    expect(answer.status).toBe(expected);
    expect(answer.data.code).toMatch(/^UPSTREAM_/);
    // Which answer it was, for the operator: Entra ID's status, not "could not be reached".
    expect(answer.data.partnerCenter).toMatchObject({ source: 'entra-id', status });
  });

  it('answers a refusal no retry fixes (400 invalid_resource, AADSTS500011) with a typed 502, asked once', async () => {
    await start(() => ({
      status: 400,
      body: JSON.stringify({
        error: 'invalid_resource',
        error_description:
          'AADSTS500011: The resource principal named https://api.partnercenter.microsoft.com was not found in the tenant.',
        error_codes: [500011],
      }),
    }));
    const requests = await tokenRequestsDuring(async () => {
      const answer = await read();
      expect(answer.status).toBe(502);
      expect(answer.data).toMatchObject({
        code: 'UPSTREAM_ERROR',
        partnerCenter: { source: 'entra-id', status: 400, code: 'invalid_resource' },
      });
      expect(answer.text).toContain('AADSTS500011');
    });
    expect(requests).toBe(1);
  });

  it('answers an AZURE_TENANT_ID Entra ID does not know (AADSTS90002) with a typed 502 naming it, not "unavailable"', async () => {
    // Entra ID refuses the authority's metadata, which MSAL reports only as "endpoints_resolution_error".
    // The sandbox's own Entra ID answers here, not the hostile one.
    await start(undefined, {
      ...sandboxAsPartnerCenter(sandbox),
      AZURE_TENANT_ID: '11111111-2222-4333-8444-555555555555',
    });
    const answer = await read();
    expect(answer.status).toBe(502);
    expect(answer.data).toMatchObject({
      code: 'UPSTREAM_ERROR',
      partnerCenter: { source: 'entra-id', status: 400, code: 'invalid_request' },
    });
    expect(answer.data.partnerCenter.description).toMatch(
      /AADSTS90002|Tenant '11111111-2222-4333-8444-555555555555' not found/,
    );
  });

  it('answers a 200 without an access token with a typed failure', async () => {
    await start(({ body }) => {
      const { access_token: _dropped, ...rest } = body;
      return { status: 200, body: JSON.stringify(rest) };
    });
    const answer = await read();
    expect(answer.data.code).toMatch(/^UPSTREAM_/);
  });

  it('answers a token endpoint slower than the attempt timeout with 504 or 503 within the deadline', async () => {
    await start(({ status, body }) => ({ status, body: JSON.stringify(body), delayMs: 4_000 }), {
      PARTNER_CENTER_ATTEMPT_TIMEOUT_MS: '500',
      PARTNER_CENTER_DEADLINE_MS: '3000',
    });
    const started = Date.now();
    const answer = await read();
    expect([503, 504]).toContain(answer.status);
    expect(answer.data.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(6_000);
  });
});

/**
 * The on-behalf-of exchange (app+user) refused as Entra ID refuses it (MFA, consent, a revoked session), and answered
 * without the parts MSAL keys its cache by: each user gets Entra ID's own verdict, typed, and only their own token.
 */
describe('a misbehaving Entra ID on-behalf-of exchange', () => {
  const fixture = sandboxBehindHostileEntraId({
    folderPrefix: 'entra-id-obo-faults-',
    afterStop: noSecretWritten,
  });
  let sandbox: RunningSandbox;
  let entraId: HostileIssuer;
  const ADA = '5e0b8a4f-1c2d-4e3f-9a8b-7c6d5e4f3a2b';
  const BOB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

  beforeAll(async () => {
    ({ sandbox, entraId } = fixture);
    // One gateway for every test: it is stopped, and what it wrote checked, after the last.
    await fixture.start(undefined, {
      PARTNER_CENTER_AUTH_MODE: 'app+user',
      AUTH_DISABLED: 'false',
      AUTH_ISSUER: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
      AUTH_AUDIENCE: sandbox.callerAudience,
    });
  });
  afterEach(() => sandbox.reset());

  const userToken = (oid: string) =>
    sandbox.issueCallerToken({
      scp: 'UsageBudget.ReadWrite',
      oid,
      upn: `${oid}@contoso.example`,
      amr: ['pwd', 'mfa'],
    });
  const read = async (token: string) => {
    const response = await axios.get(`${fixture.gateway!.url}${BUDGET}`, {
      headers: { authorization: `Bearer ${token}` },
      validateStatus: () => true,
      timeout: 30_000,
    });
    return {
      status: response.status,
      headers: response.headers as Record<string, string>,
      data: response.data as Record<string, any>,
      text: JSON.stringify(response.data),
    };
  };
  /** Entra ID's refusal of one user's exchange, the others' answered as they were. */
  const refuseUser =
    (oid: string, refusal: Record<string, unknown>): TokenAnswer =>
    (real, sent) => {
      const assertion = sent.get('assertion');
      const user = assertion
        ? (JSON.parse(Buffer.from(assertion.split('.')[1], 'base64url').toString()) as { oid?: string }).oid
        : undefined;
      return user === oid
        ? { status: 400, body: JSON.stringify({ error: 'invalid_grant', ...refusal }) }
        : { status: real.status, body: JSON.stringify(real.body) };
    };
  const upstreamUsers = () =>
    sandbox.requestLog
      .entries({ target: 'partner-center' })
      .map(
        (call) =>
          JSON.parse(Buffer.from(call.headers.authorization.split('.')[1], 'base64url').toString())
            .oid as string,
      );

  it.each([
    [
      'consent missing (AADSTS65001)',
      {
        error_description: 'AADSTS65001: The user or administrator has not consented to use the application.',
        error_codes: [65001],
        suberror: 'consent_required',
      },
      'AADSTS65001',
    ],
    [
      'MFA required (AADSTS50076), with a claims challenge',
      {
        error_description:
          'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.',
        error_codes: [50076],
        suberror: 'basic_action',
        claims: '{"access_token":{"capolids":{"essential":true,"values":["p1"]}}}',
      },
      'AADSTS50076',
    ],
    [
      'MFA required (AADSTS50079) with neither suberror nor claims',
      {
        error_description:
          'AADSTS50079: Due to a configuration change, the user is required to use multi-factor authentication.',
        error_codes: [50079],
      },
      'AADSTS50079',
    ],
    [
      'a revoked session (AADSTS50173)',
      {
        error_description: 'AADSTS50173: The provided grant has expired due to it being revoked.',
        error_codes: [50173],
      },
      'AADSTS50173',
    ],
  ])(
    "answers %s with a typed 401 carrying Entra ID's code, and Bob still reads as Bob",
    async (_name, refusal, aadsts) => {
      entraId.tokenAnswer = refuseUser(ADA, refusal);
      const ada = await userToken(ADA);
      const refused = await read(ada);
      expect(refused.status).toBe(401);
      expect(refused.data).toMatchObject({ code: 'UNAUTHENTICATED', partnerCenter: { source: 'entra-id' } });
      expect(refused.text).toContain(aadsts);
      expect(refused.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(refused.text).not.toContain(ada);

      expect((await read(await userToken(BOB))).status).toBe(200);
      expect((await read(ada)).status).toBe(401); // asked again, never served another user's token
      expect(upstreamUsers()).toEqual([BOB]);
    },
  );

  it('keeps users apart when the exchange answers without client_info and id_token', async () => {
    entraId.tokenAnswer = ({ status, body }) => {
      const { client_info: _info, id_token: _id, ...rest } = body;
      return { status, body: JSON.stringify(rest) };
    };
    const [ada, bob] = await Promise.all([userToken(ADA), userToken(BOB)]);
    for (const token of [ada, bob, ada, bob]) expect((await read(token)).status).toBe(200);
    expect(upstreamUsers()).toEqual([ADA, BOB, ADA, BOB]);
  });

  it('does not exchange the same user token on every call when the answer states no lifetime', async () => {
    entraId.tokenAnswer = ({ status, body }) => {
      const { expires_in: _dropped, ext_expires_in: _too, ...rest } = body;
      return { status, body: JSON.stringify(rest) };
    };
    const ada = await userToken(ADA);
    const before = entraId.tokenRequests();
    for (let i = 0; i < 3; i++) {
      expect((await read(ada)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(entraId.tokenRequests() - before).toBe(1);
  });

  it('recovers within seconds from a brief outage of the exchange, for the user who met it and for others', async () => {
    let outage = true;
    // No Retry-After: MSAL would replay this 503 from its own throttling cache for 60 s, to every user.
    entraId.tokenAnswer = ({ status, body }) =>
      outage
        ? {
            status: 503,
            body: JSON.stringify({ error: 'temporarily_unavailable' }),
          }
        : { status, body: JSON.stringify(body) };
    const ada = await userToken(ADA);
    const failed = await read(ada);
    expect(failed.status).toBe(503);
    expect(failed.data).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      partnerCenter: { source: 'entra-id' },
    });
    outage = false;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await read(ada)).status).toBe(200);
    expect((await read(await userToken(BOB))).status).toBe(200);
  });
});
