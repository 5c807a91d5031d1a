import { ConfidentialClientApplication, InteractionRequiredAuthError, LogLevel } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { MFA_POLICY_ID, SANDBOX_USER, startSandbox, type RunningSandbox } from '../../src';
import { createClientCertificate, type ClientCertificate } from './support/client-certificate';
import { sandboxNetworkClient } from './support/msal-network';
import { budgetPath, PC_DEFAULT_SCOPE, PC_USER_SCOPE, sandboxHttp } from './support/sandbox-http';

const CERT_CLIENT_ID = '5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

describe('sandbox with real @azure/msal-node', () => {
  let sandbox: RunningSandbox;
  let cert: ClientCertificate;

  beforeAll(async () => {
    cert = await createClientCertificate();
    sandbox = await startSandbox({ quiet: true });
    sandbox.registerClient({ clientId: CERT_CLIENT_ID, certificatePem: cert.certificatePem });
  });
  afterAll(() => sandbox.close());

  const app = (
    credentials:
      | { clientSecret: string }
      | { clientCertificate: { thumbprintSha256: string; privateKey: string; x5c: string } },
    clientId = sandbox.defaultClient.clientId,
  ) =>
    new ConfidentialClientApplication({
      auth: {
        clientId,
        authority: `${sandbox.url}/${sandbox.tenantId}`,
        knownAuthorities: [sandbox.url],
        ...credentials,
      },
      system: {
        networkClient: sandboxNetworkClient(sandbox.caCertPem),
        loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false },
      },
    });

  it('gets an app-only token with a client secret and Partner Center accepts it', async () => {
    const result = await app({
      clientSecret: sandbox.defaultClient.clientSecret,
    }).acquireTokenByClientCredential({ scopes: [PC_DEFAULT_SCOPE] });
    expect(result?.accessToken).toBeTruthy();
    const response = await sandboxHttp(sandbox).get(budgetPath(sandbox.customers[0].id), {
      headers: { authorization: `Bearer ${result?.accessToken}` },
    });
    expect(response.status).toBe(200);
  });

  it('reuses its cached app token instead of calling the token endpoint again', async () => {
    const msal = app({ clientSecret: sandbox.defaultClient.clientSecret });
    await msal.acquireTokenByClientCredential({ scopes: [PC_DEFAULT_SCOPE] });
    const before = sandbox.tokenRequests();
    await msal.acquireTokenByClientCredential({ scopes: [PC_DEFAULT_SCOPE] });
    expect(sandbox.tokenRequests()).toBe(before);
  });

  it('gets an app-only token with a certificate (thumbprintSha256, PS256)', async () => {
    const msal = app(
      {
        clientCertificate: {
          thumbprintSha256: cert.thumbprintSha256,
          privateKey: cert.privateKeyPem,
          x5c: cert.certificatePem,
        },
      },
      CERT_CLIENT_ID,
    );
    const result = await msal.acquireTokenByClientCredential({ scopes: [PC_DEFAULT_SCOPE] });
    expect(decodeJwt(result?.accessToken ?? '').appid).toBe(CERT_CLIENT_ID);
    const assertion =
      new URLSearchParams(sandbox.requestLog.entries({ target: 'token' }).at(-1)?.body).get(
        'client_assertion',
      ) ?? '';
    expect(JSON.parse(Buffer.from(assertion.split('.')[0], 'base64url').toString())).toMatchObject({
      alg: 'PS256',
      'x5t#S256': expect.any(String),
    });
  });

  it('surfaces a wrong secret as a ServerError with invalid_client', async () => {
    await expect(
      app({ clientSecret: 'wrong' }).acquireTokenByClientCredential({ scopes: [PC_DEFAULT_SCOPE] }),
    ).rejects.toMatchObject({ errorCode: 'invalid_client' });
  });

  it('exchanges a caller token on behalf of the user, with the user in the token and the account', async () => {
    const callerToken = await sandbox.issueCallerToken({ scp: 'access_as_user' });
    const result = await app({ clientSecret: sandbox.defaultClient.clientSecret }).acquireTokenOnBehalfOf({
      oboAssertion: callerToken,
      scopes: [PC_USER_SCOPE],
    });
    expect(decodeJwt(result?.accessToken ?? '')).toMatchObject({
      scp: 'user_impersonation',
      oid: SANDBOX_USER.oid,
      upn: SANDBOX_USER.upn,
      name: SANDBOX_USER.name,
      tid: sandbox.tenantId,
    });
    expect(result?.account).toMatchObject({
      homeAccountId: `${SANDBOX_USER.oid}.${sandbox.tenantId}`,
      localAccountId: SANDBOX_USER.oid,
    });
    const response = await sandboxHttp(sandbox).get(budgetPath(sandbox.customers[0].id), {
      headers: { authorization: `Bearer ${result?.accessToken}` },
    });
    expect(response.status).toBe(200);
  });

  it('keeps OBO tokens of two users apart in one application cache', async () => {
    const msal = app({ clientSecret: sandbox.defaultClient.clientSecret });
    const alice = await sandbox.issueCallerToken({
      oid: 'a11ce000-0000-4000-8000-000000000001',
      upn: 'alice@sandbox.onmicrosoft.com',
    });
    const bob = await sandbox.issueCallerToken({
      oid: 'b0b00000-0000-4000-8000-000000000002',
      upn: 'bob@sandbox.onmicrosoft.com',
    });
    await msal.acquireTokenOnBehalfOf({ oboAssertion: alice, scopes: [PC_USER_SCOPE] });
    await msal.acquireTokenOnBehalfOf({ oboAssertion: bob, scopes: [PC_USER_SCOPE] });
    const again = await msal.acquireTokenOnBehalfOf({ oboAssertion: alice, scopes: [PC_USER_SCOPE] });
    expect(decodeJwt(again?.accessToken ?? '').oid).toBe('a11ce000-0000-4000-8000-000000000001');
    expect(again?.fromCache).toBe(true);
  });

  it('turns a caller without MFA into InteractionRequiredAuthError carrying the claims challenge', async () => {
    const callerToken = await sandbox.issueCallerToken({ amr: ['pwd'] });
    const error = await app({ clientSecret: sandbox.defaultClient.clientSecret })
      .acquireTokenOnBehalfOf({ oboAssertion: callerToken, scopes: [PC_USER_SCOPE] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InteractionRequiredAuthError);
    expect(error).toMatchObject({
      errorCode: 'interaction_required',
      subError: 'basic_action',
      errorNo: 50076,
    });
    expect(JSON.parse((error as InteractionRequiredAuthError).claims)).toEqual({
      access_token: { capolids: { essential: true, values: [MFA_POLICY_ID] } },
    });
  });
});
