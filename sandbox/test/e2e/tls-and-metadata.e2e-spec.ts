import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import axios from 'axios';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startSandbox, type RunningSandbox } from '../../src';
import { appToken, sandboxHttp } from './support/sandbox-http';

describe('sandbox TLS and Entra metadata', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
  });
  afterAll(() => sandbox.close());

  it('serves HTTPS on 127.0.0.1 that a client trusting only ca.pem accepts', async () => {
    const ca = readFileSync(sandbox.caCertPath, 'utf8');
    expect(ca).toBe(sandbox.caCertPem);
    const response = await axios.get(`${sandbox.url}/${sandbox.tenantId}/discovery/v2.0/keys`, {
      httpsAgent: new Agent({ ca }),
      timeout: 5000,
    });
    expect(sandbox.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(response.status).toBe(200);
  });

  it('is rejected by a client that does not trust the sandbox CA', async () => {
    await expect(
      axios.get(`${sandbox.url}/${sandbox.tenantId}/discovery/v2.0/keys`, { timeout: 5000 }),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/),
    });
  });

  it('writes a CA certificate (basicConstraints CA) to the state directory', () => {
    const ca = new X509Certificate(sandbox.caCertPem);
    expect(ca.ca).toBe(true);
    expect(sandbox.caCertPath).toMatch(/ca\.pem$/);
  });

  it('advertises OpenID metadata whose issuer and endpoints share the sandbox origin', async () => {
    const response = await sandboxHttp(sandbox).get(
      `/${sandbox.tenantId}/v2.0/.well-known/openid-configuration`,
    );
    const base = `${sandbox.url}/${sandbox.tenantId}`;
    expect(response.status).toBe(200);
    expect(response.data).toMatchObject({
      issuer: `${base}/v2.0`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    });
  });

  it.each(['common', 'organizations'])(
    'answers metadata for the %s alias with a {tenantid} issuer',
    async (alias) => {
      const response = await sandboxHttp(sandbox).get(`/${alias}/v2.0/.well-known/openid-configuration`);
      expect(response.status).toBe(200);
      expect(response.data.issuer).toBe(`${sandbox.url}/{tenantid}/v2.0`);
      expect(response.data.token_endpoint).toBe(`${sandbox.url}/${alias}/oauth2/v2.0/token`);
    },
  );

  it('answers metadata for an unknown tenant with AADSTS90002', async () => {
    const response = await sandboxHttp(sandbox).get(
      '/11111111-2222-4333-8444-555555555555/v2.0/.well-known/openid-configuration',
    );
    expect(response.status).toBe(400);
    expect(response.data).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
  });

  it('publishes a JWKS that verifies the access tokens it issues', async () => {
    const http = sandboxHttp(sandbox);
    const jwks = (await http.get(`/${sandbox.tenantId}/discovery/v2.0/keys`)).data;
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: expect.any(String) });
    const { payload, protectedHeader } = await jwtVerify(
      await appToken(sandbox, http),
      createLocalJWKSet(jwks),
      {
        issuer: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
        audience: 'https://api.partnercenter.microsoft.com',
      },
    );
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: jwks.keys[0].kid });
    expect(payload).toMatchObject({
      tid: sandbox.tenantId,
      appid: sandbox.defaultClient.clientId,
      azp: sandbox.defaultClient.clientId,
      roles: [],
    });
    expect(payload).toEqual(
      expect.objectContaining({
        oid: expect.any(String),
        sub: expect.any(String),
        iat: expect.any(Number),
        nbf: expect.any(Number),
        exp: expect.any(Number),
      }),
    );
  });
});
