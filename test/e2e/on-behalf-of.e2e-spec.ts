import { decodeJwt } from 'jose';
import { RunningSandbox, startSandbox } from 'partner-center-sandbox';
import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, GET_BUDGET } from './support/ids';

/** Issue 4, point 3: app+user mode calls Partner Center as the signed-in user, through the on-behalf-of flow. */
describe('app+user mode (on-behalf-of)', () => {
  let sandbox: RunningSandbox;
  let gateway: TestGateway;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    gateway = await startGateway({
      sandbox,
      partnerCenter: { authMode: 'app+user' },
      env: { AUTH_ISSUER: `${sandbox.url}/${sandbox.tenantId}/v2.0`, AUTH_AUDIENCE: sandbox.callerAudience },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await sandbox.close();
  });
  beforeEach(() => sandbox.reset());

  const userToken = (overrides: Parameters<RunningSandbox['issueCallerToken']>[0] = {}) =>
    sandbox.issueCallerToken({
      scp: 'UsageBudget.ReadWrite',
      oid: '5e0b8a4f-1c2d-4e3f-9a8b-7c6d5e4f3a2b',
      upn: 'ada@contoso.example',
      amr: ['pwd', 'mfa'],
      ...overrides,
    });

  it("exchanges the caller's token and reaches Partner Center as that user", async () => {
    const token = await userToken();
    const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const [tokenRequest] = sandbox.requestLog.entries({ target: 'token' });
    const form = new URLSearchParams(tokenRequest.body);
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(form.get('requested_token_use')).toBe('on_behalf_of');
    expect(form.get('scope')).toContain('https://api.partnercenter.microsoft.com/user_impersonation');
    const [call] = sandbox.requestLog.entries({ target: 'partner-center' });
    const upstreamToken = decodeJwt(call.headers.authorization.replace(/^Bearer /, ''));
    expect(upstreamToken).toMatchObject({
      oid: '5e0b8a4f-1c2d-4e3f-9a8b-7c6d5e4f3a2b',
      scp: expect.stringContaining('user_impersonation'),
    });
  });

  it('reuses the exchanged token for the same user', async () => {
    const token = await userToken();
    await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(sandbox.tokenRequests()).toBe(1);
  });

  it('keeps users apart: two users, two exchanges, each upstream call as its own user', async () => {
    const ada = await userToken();
    const bob = await userToken({ oid: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', upn: 'bob@contoso.example' });
    await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { authorization: `Bearer ${ada}` },
    });
    await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { authorization: `Bearer ${bob}` },
    });
    const oids = sandbox.requestLog
      .entries({ target: 'partner-center' })
      .map((c) => decodeJwt(c.headers.authorization.slice(7)).oid);
    expect(oids).toEqual(['5e0b8a4f-1c2d-4e3f-9a8b-7c6d5e4f3a2b', '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d']);
  });

  it('answers an MFA demand with 401 and the claims challenge, without calling Partner Center', async () => {
    const token = await userToken({ amr: ['pwd'] });
    const rest = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(rest.status).toBe(401);
    expect(rest.data).toMatchObject({
      code: 'UNAUTHENTICATED',
      claims: expect.stringContaining('access_token'),
    });
    expect(rest.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_claims", claims="/);
    const gql = await gateway.graphql(GET_BUDGET, { id: CONTOSO }, { authorization: `Bearer ${token}` });
    expect(gql.errors?.[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      claims: expect.stringContaining('access_token'),
    });
    expect(sandbox.requestLog.entries({ target: 'partner-center' })).toHaveLength(0);
  });

  it("answers 401 invalid_token when Entra ID refuses the user's token the gateway still accepted (just expired)", async () => {
    // Expired 20 s ago: inside the gateway's clock tolerance (60 s), outside Entra ID's.
    const token = await userToken({ expiresInSeconds: -20 });
    const rest = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(rest.status).toBe(401);
    expect(rest.data).toMatchObject({ code: 'UNAUTHENTICATED', partnerCenter: { source: 'entra-id' } });
    expect(rest.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    const gql = await gateway.graphql(GET_BUDGET, { id: CONTOSO }, { authorization: `Bearer ${token}` });
    expect(gql.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(sandbox.requestLog.entries({ target: 'partner-center' })).toHaveLength(0);
  });
});

describe('app+user mode with the read cache on', () => {
  let sandbox: RunningSandbox;
  let gateway: TestGateway;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    gateway = await startGateway({
      sandbox,
      partnerCenter: { authMode: 'app+user' },
      env: {
        AUTH_ISSUER: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
        AUTH_AUDIENCE: sandbox.callerAudience,
        USAGE_BUDGET_CACHE_TTL_MS: '60000',
      },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await sandbox.close();
  });

  const ada = (amr: string[]) =>
    sandbox.issueCallerToken({
      scp: 'UsageBudget.ReadWrite',
      oid: '5e0b8a4f-1c2d-4e3f-9a8b-7c6d5e4f3a2b',
      upn: 'ada@contoso.example',
      amr,
    });

  it("serves a token Entra ID would not exchange (no MFA) nothing another of the user's tokens read", async () => {
    const signedInWithMfa = await ada(['pwd', 'mfa']);
    const first = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { authorization: `Bearer ${signedInWithMfa}` },
    });
    expect(first.status).toBe(200);
    // The same user, signed in with a password only: Partner Center's MFA demand applies to it too.
    const passwordOnly = await ada(['pwd']);
    const second = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { authorization: `Bearer ${passwordOnly}` },
    });
    expect(second.status).toBe(401);
    expect(second.data).toMatchObject({
      code: 'UNAUTHENTICATED',
      claims: expect.stringContaining('access_token'),
    });
  });
});
