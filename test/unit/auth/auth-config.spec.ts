import { loadGatewayConfig } from '../../../src/gateway-config';

const app = {
  AZURE_CLIENT_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  AZURE_TENANT_ID: 'contoso.onmicrosoft.com',
  AZURE_CLIENT_SECRET: 's3cr3t-value',
};
const ISSUER = 'https://login.microsoftonline.com/11111111-2222-4333-8444-555555555555/v2.0';

const failure = (env: Record<string, string>) => {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('auth configuration', () => {
  it('accepts anonymous callers in sandbox mode', () => {
    expect(loadGatewayConfig({ PARTNER_CENTER: 'sandbox' }).auth).toEqual({
      mode: 'sandbox',
      clockToleranceSeconds: 60,
      failuresPerMinute: 30,
    });
  });

  it('reads the issuer, a comma-separated audience list and the clock tolerance', () => {
    expect(
      loadGatewayConfig({
        ...app,
        AUTH_ISSUER: ISSUER,
        AUTH_AUDIENCE: 'api://gw, 9a8b7c6d-0000-4000-8000-000000000000',
        AUTH_CLOCK_TOLERANCE_SECONDS: '30',
        AUTH_FAILURES_PER_MINUTE: '0',
      }).auth,
    ).toEqual({
      mode: 'jwt',
      tokens: {
        issuer: ISSUER,
        audiences: ['api://gw', '9a8b7c6d-0000-4000-8000-000000000000'],
        clockToleranceSeconds: 30,
      },
      failuresPerMinute: 0,
    });
  });

  it('takes a JWKS URI instead of discovery', () => {
    const auth = loadGatewayConfig({
      ...app,
      AUTH_ISSUER: ISSUER,
      AUTH_JWKS_URI: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
      AUTH_AUDIENCE: 'api://gw',
    }).auth;
    expect(auth).toMatchObject({
      mode: 'jwt',
      tokens: { jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys' },
    });
  });

  it('enforces tokens in sandbox mode too when AUTH_* are set', () => {
    expect(
      loadGatewayConfig({ PARTNER_CENTER: 'sandbox', AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: 'api://gw' }).auth
        .mode,
    ).toBe('jwt');
  });

  it('turns authentication off only when asked to explicitly', () => {
    expect(loadGatewayConfig({ ...app, AUTH_DISABLED: 'true' }).auth).toEqual({ mode: 'disabled' });
    expect(loadGatewayConfig({ PARTNER_CENTER: 'sandbox', AUTH_DISABLED: 'TRUE' }).auth).toEqual({
      mode: 'disabled',
    });
  });

  it.each([
    [app, 'AUTH_ISSUER'],
    [{ ...app, AUTH_AUDIENCE: 'api://gw' }, 'AUTH_ISSUER'],
    [{ ...app, AUTH_JWKS_URI: 'https://idp.example/keys', AUTH_AUDIENCE: 'api://gw' }, 'AUTH_ISSUER'],
    [{ ...app, AUTH_ISSUER: ISSUER }, 'AUTH_AUDIENCE'],
    [{ ...app, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: ' , ' }, 'AUTH_AUDIENCE'],
    [{ ...app, AUTH_ISSUER: 'http://idp.example', AUTH_AUDIENCE: 'api://gw' }, 'AUTH_ISSUER'],
    [
      { ...app, AUTH_ISSUER: ISSUER, AUTH_JWKS_URI: 'http://idp.example/keys', AUTH_AUDIENCE: 'api://gw' },
      'AUTH_JWKS_URI',
    ],
    [{ ...app, AUTH_DISABLED: 'yes' }, 'AUTH_DISABLED'],
    [{ ...app, AUTH_DISABLED: 'true', AUTH_ISSUER: ISSUER }, 'AUTH_DISABLED'],
    [
      { ...app, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: 'api://gw', AUTH_CLOCK_TOLERANCE_SECONDS: '-1' },
      'AUTH_CLOCK_TOLERANCE_SECONDS',
    ],
    [{ PARTNER_CENTER: 'sandbox', AUTH_AUDIENCE: 'api://gw' }, 'AUTH_ISSUER'],
    [{ PARTNER_CENTER: 'sandbox', AUTH_FAILURES_PER_MINUTE: '-1' }, 'AUTH_FAILURES_PER_MINUTE'],
    [{ PARTNER_CENTER: 'sandbox', AUTH_FAILURES_PER_MINUTE: 'many' }, 'AUTH_FAILURES_PER_MINUTE'],
  ])('%j fails naming %s', (env, variable) => {
    expect(failure(env)).toMatch(new RegExp(`^${variable}: `));
  });
});
