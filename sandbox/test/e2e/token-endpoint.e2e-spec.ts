import type { AxiosInstance } from 'axios';
import { decodeJwt } from 'jose';
import { startSandbox, type RunningSandbox } from '../../src';
import {
  clientAssertion,
  createClientCertificate,
  type ClientCertificate,
} from './support/client-certificate';
import { form, PC_DEFAULT_SCOPE, sandboxHttp, tokenPath } from './support/sandbox-http';

const CERT_CLIENT_ID = '3e9a1c55-7d21-4b8f-a0c4-6f5e4d3c2b1a';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('sandbox token endpoint: client credentials', () => {
  let sandbox: RunningSandbox;
  let http: AxiosInstance;
  let cert: ClientCertificate;
  let otherCert: ClientCertificate;

  beforeAll(async () => {
    [cert, otherCert] = await Promise.all([
      createClientCertificate(),
      createClientCertificate('someone-else'),
    ]);
    sandbox = await startSandbox({ quiet: true });
    sandbox.registerClient({ clientId: CERT_CLIENT_ID, certificatePem: cert.certificatePem });
    http = sandboxHttp(sandbox);
  });
  afterAll(() => sandbox.close());

  const endpoint = () => `${sandbox.url}/${sandbox.tenantId}/oauth2/v2.0/token`;
  const withSecret = (overrides: Record<string, string> = {}) =>
    http.post(
      tokenPath(sandbox),
      ...form({
        grant_type: 'client_credentials',
        client_id: sandbox.defaultClient.clientId,
        client_secret: sandbox.defaultClient.clientSecret,
        scope: PC_DEFAULT_SCOPE,
        ...overrides,
      }),
    );
  const withAssertion = (assertion: string, overrides: Record<string, string> = {}) =>
    http.post(
      tokenPath(sandbox),
      ...form({
        grant_type: 'client_credentials',
        client_id: CERT_CLIENT_ID,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: assertion,
        scope: PC_DEFAULT_SCOPE,
        ...overrides,
      }),
    );

  it('issues an app-only token for the client secret', async () => {
    const response = await withSecret();
    expect(response.status).toBe(200);
    expect(response.data).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3599,
      access_token: expect.any(String),
    });
    expect(decodeJwt(response.data.access_token)).toMatchObject({
      aud: 'https://api.partnercenter.microsoft.com',
      appid: sandbox.defaultClient.clientId,
      roles: [],
    });
  });

  it('issues a token for a PS256 certificate assertion with x5t#S256 (msal-node with thumbprintSha256)', async () => {
    const response = await withAssertion(await clientAssertion(cert, CERT_CLIENT_ID, endpoint()));
    expect(response.status).toBe(200);
    expect(decodeJwt(response.data.access_token).appid).toBe(CERT_CLIENT_ID);
  });

  it('issues a token for an RS256 certificate assertion with a SHA-1 x5t', async () => {
    const response = await withAssertion(
      await clientAssertion(cert, CERT_CLIENT_ID, endpoint(), { alg: 'RS256' }),
    );
    expect(response.status).toBe(200);
  });

  it('counts every token request, failed ones included', async () => {
    const before = sandbox.tokenRequests();
    await withSecret();
    await withSecret({ client_secret: 'wrong' });
    expect(sandbox.tokenRequests()).toBe(before + 2);
  });

  describe('Entra errors', () => {
    it('answers an unknown client with 400 unauthorized_client AADSTS700016', async () => {
      const response = await withSecret({ client_id: '00000000-1111-4222-8333-444444444444' });
      expect(response.status).toBe(400);
      expect(response.data).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
      expect(response.data).toEqual(
        expect.objectContaining({
          error_description: expect.stringMatching(/^AADSTS700016:/),
          timestamp: expect.any(String),
          trace_id: expect.any(String),
          correlation_id: expect.any(String),
        }),
      );
    });

    it('answers a wrong secret with 401 invalid_client AADSTS7000215', async () => {
      const response = await withSecret({ client_secret: 'not-the-secret' });
      expect(response.status).toBe(401);
      expect(response.data).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    });

    it('answers an unknown tenant with 400 invalid_request AADSTS90002', async () => {
      const response = await http.post(
        tokenPath(sandbox, 'contoso.onmicrosoft.com'),
        ...form({
          grant_type: 'client_credentials',
          client_id: sandbox.defaultClient.clientId,
          client_secret: sandbox.defaultClient.clientSecret,
          scope: PC_DEFAULT_SCOPE,
        }),
      );
      expect(response.status).toBe(400);
      expect(response.data).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
    });

    it.each([
      ['a delegated scope', 'https://api.partnercenter.microsoft.com/user_impersonation'],
      ['another resource', 'https://graph.microsoft.com/.default'],
      ['no scope', ''],
    ])('answers %s with 400 invalid_scope AADSTS70011', async (_name, scope) => {
      const response = await withSecret({ scope });
      expect(response.status).toBe(400);
      expect(response.data).toMatchObject({ error: 'invalid_scope', error_codes: [70011] });
    });

    it('answers an unsupported grant with unsupported_grant_type', async () => {
      const response = await withSecret({ grant_type: 'password' });
      expect(response.status).toBe(400);
      expect(response.data.error).toBe('unsupported_grant_type');
    });

    it('answers client credentials on /common with AADSTS50059 (no tenant)', async () => {
      const response = await http.post(
        tokenPath(sandbox, 'common'),
        ...form({
          grant_type: 'client_credentials',
          client_id: sandbox.defaultClient.clientId,
          client_secret: sandbox.defaultClient.clientSecret,
          scope: PC_DEFAULT_SCOPE,
        }),
      );
      expect(response.status).toBe(400);
      expect(response.data.error_codes).toEqual([50059]);
    });

    it.each<[string, () => Promise<string>]>([
      [
        'signed by another key',
        () => clientAssertion(cert, CERT_CLIENT_ID, endpoint(), { signingKeyPem: otherCert.privateKeyPem }),
      ],
      [
        'naming another certificate',
        () =>
          clientAssertion(cert, CERT_CLIENT_ID, endpoint(), { thumbprintHex: otherCert.thumbprintSha256 }),
      ],
      [
        'for another audience',
        () => clientAssertion(cert, CERT_CLIENT_ID, 'https://login.microsoftonline.com/x/oauth2/v2.0/token'),
      ],
      [
        'issued by another client',
        () => clientAssertion(cert, CERT_CLIENT_ID, endpoint(), { iss: 'someone', sub: 'someone' }),
      ],
      ['expired', () => clientAssertion(cert, CERT_CLIENT_ID, endpoint(), { expiresInSeconds: -600 })],
      ['not a JWT', async () => 'garbage'],
    ])('answers an assertion %s with 401 invalid_client AADSTS700027', async (_name, build) => {
      const response = await withAssertion(await build());
      expect(response.status).toBe(401);
      expect(response.data).toMatchObject({ error: 'invalid_client', error_codes: [700027] });
    });

    it('answers a certificate client without any credential with 401 invalid_client', async () => {
      const response = await http.post(
        tokenPath(sandbox),
        ...form({ grant_type: 'client_credentials', client_id: CERT_CLIENT_ID, scope: PC_DEFAULT_SCOPE }),
      );
      expect(response.status).toBe(401);
      expect(response.data.error).toBe('invalid_client');
    });
  });
});
