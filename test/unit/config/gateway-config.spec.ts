import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGatewayConfig } from '../../../src/gateway-config';
import { localCertificate } from '../../support/local-certificate';

const app = {
  AZURE_CLIENT_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  AZURE_TENANT_ID: 'contoso.onmicrosoft.com',
  AZURE_CLIENT_SECRET: 's3cr3t-value',
  AUTH_ISSUER: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
  AUTH_AUDIENCE: 'api://usage-budget-gateway',
};

const sandbox = { PARTNER_CENTER: 'sandbox' };

const failure = (env: Record<string, string>) => {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
};

/** The Partner Center connection of a configuration that has app credentials. */
const connection = (env: Record<string, string>) => {
  const { upstream } = loadGatewayConfig(env);
  if (upstream.target !== 'partner-center') throw new Error('expected a Partner Center connection');
  return upstream.connection;
};

describe('gateway configuration', () => {
  it('runs on the sandbox only when PARTNER_CENTER=sandbox says so', () => {
    const config = loadGatewayConfig(sandbox);
    expect(config.upstream).toMatchObject({ target: 'sandbox', sandbox: { port: 0 } });
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 3000,
      bodyLimitBytes: 32768,
      requestTimeoutMs: 10000,
      trustProxy: false,
    });
  });

  it('refuses to start with neither app credentials nor sandbox mode, saying what is missing', () => {
    const message = failure({});
    expect(message).toMatch(/^AZURE_CLIENT_ID: is required/);
    expect(message).toContain('PARTNER_CENTER=sandbox');
  });

  it('refuses the sandbox in production unless a demo is explicitly allowed', () => {
    expect(failure({ ...sandbox, NODE_ENV: 'production' })).toMatch(
      /^PARTNER_CENTER: .*ALLOW_SANDBOX_IN_PRODUCTION=true/,
    );
    expect(
      loadGatewayConfig({ ...sandbox, NODE_ENV: 'production', ALLOW_SANDBOX_IN_PRODUCTION: 'true' }).upstream
        .target,
    ).toBe('sandbox');
  });

  it('refuses sandbox mode beside app credentials: one upstream, chosen explicitly', () => {
    expect(failure({ ...app, ...sandbox })).toMatch(
      /^PARTNER_CENTER: is "sandbox" while AZURE_CLIENT_ID is set/,
    );
  });

  it.each([
    ['PARTNER_CENTER_BASE_URL', 'https://api.partnercenter.microsoft.com'],
    ['AZURE_AUTHORITY_HOST', 'https://login.microsoftonline.com'],
    ['AZURE_CLIENT_CERTIFICATE_PASSWORD', 'pw'],
    ['AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE', '/run/secrets/pw'],
  ])('refuses sandbox mode beside %s, which only a real Partner Center reads', (variable, value) => {
    // Ignored, it would let an operator believe the gateway talks to the Partner Center they named.
    expect(failure({ ...sandbox, [variable]: value })).toMatch(
      new RegExp(`^PARTNER_CENTER: is "sandbox" while ${variable} is set`),
    );
  });

  it('uses the public cloud by default', () => {
    expect(loadGatewayConfig(app).upstream).toMatchObject({ target: 'partner-center' });
    expect(connection(app)).toMatchObject({
      baseUrl: 'https://api.partnercenter.microsoft.com',
      authorityHost: 'https://login.microsoftonline.com',
      credential: { kind: 'secret', clientSecret: 's3cr3t-value' },
    });
  });

  it('uses the US Government authority for PARTNER_CENTER_CLOUD=usgov', () => {
    expect(connection({ ...app, PARTNER_CENTER_CLOUD: 'usgov' }).authorityHost).toBe(
      'https://login.microsoftonline.us',
    );
  });

  it('reads the retry knobs', () => {
    expect(
      connection({
        ...app,
        PARTNER_CENTER_MAX_ATTEMPTS: '2',
        PARTNER_CENTER_ATTEMPT_TIMEOUT_MS: '1500',
        PARTNER_CENTER_DEADLINE_MS: '4000',
      }).retry,
    ).toMatchObject({ maxAttempts: 2, attemptTimeoutMs: 1500, deadlineMs: 4000 });
  });

  it('bounds the pause one 429 imposes: ten minutes unless PARTNER_CENTER_MAX_THROTTLE_PAUSE_SECONDS says', () => {
    expect(connection(app).quota.maxPauseMs).toBe(600_000);
    expect(connection({ ...app, PARTNER_CENTER_MAX_THROTTLE_PAUSE_SECONDS: '120' }).quota.maxPauseMs).toBe(
      120_000,
    );
    expect(failure({ ...app, PARTNER_CENTER_MAX_THROTTLE_PAUSE_SECONDS: '0' })).toMatch(
      /PARTNER_CENTER_MAX_THROTTLE_PAUSE_SECONDS/,
    );
  });

  it('reads the client secret from a mounted file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'secret'), 'from-file\n');
    const { AZURE_CLIENT_SECRET: _, ...rest } = app;
    expect(connection({ ...rest, AZURE_CLIENT_SECRET_FILE: join(dir, 'secret') }).credential).toEqual({
      kind: 'secret',
      clientSecret: 'from-file',
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [{ ...sandbox, PORT: 'eighty' }, 'PORT'],
    [{ ...sandbox, PORT: '70000' }, 'PORT'],
    [{ ...app, PARTNER_CENTER_CLOUD: 'china' }, 'PARTNER_CENTER_CLOUD'],
    [{ PARTNER_CENTER: 'emulator' }, 'PARTNER_CENTER'],
    [{ ...sandbox, ALLOW_SANDBOX_IN_PRODUCTION: 'yes' }, 'ALLOW_SANDBOX_IN_PRODUCTION'],
    [{ ...sandbox, SANDBOX_PORT: 'x' }, 'SANDBOX_PORT'],
    [
      { ...app, PARTNER_CENTER_BASE_URL: 'http://api.partnercenter.microsoft.com' },
      'PARTNER_CENTER_BASE_URL',
    ],
    [{ ...app, AZURE_AUTHORITY_HOST: 'not a url' }, 'AZURE_AUTHORITY_HOST'],
    [{ ...app, AZURE_CLIENT_ID: 'my-app' }, 'AZURE_CLIENT_ID'],
    [{ ...app, AZURE_TENANT_ID: 'not a tenant!' }, 'AZURE_TENANT_ID'],
    [{ AZURE_CLIENT_ID: app.AZURE_CLIENT_ID, AZURE_CLIENT_SECRET: 'x' }, 'AZURE_TENANT_ID'],
    [{ AZURE_CLIENT_ID: app.AZURE_CLIENT_ID, AZURE_TENANT_ID: app.AZURE_TENANT_ID }, 'AZURE_CLIENT_SECRET'],
    [{ ...app, AZURE_CLIENT_CERTIFICATE_PATH: '/x.pem' }, 'AZURE_CLIENT_SECRET'],
    [{ AZURE_CLIENT_SECRET: 'x' }, 'AZURE_CLIENT_ID'],
    [{ ...app, AZURE_CLIENT_SECRET_FILE: '/nonexistent' }, 'AZURE_CLIENT_SECRET'],
    [{ ...app, PARTNER_CENTER_MAX_ATTEMPTS: '0' }, 'PARTNER_CENTER_MAX_ATTEMPTS'],
    [
      { ...app, PARTNER_CENTER_DEADLINE_MS: '1000', PARTNER_CENTER_ATTEMPT_TIMEOUT_MS: '5000' },
      'PARTNER_CENTER_DEADLINE_MS',
    ],
    [{ ...sandbox, USAGE_BUDGET_MAX_AMOUNT: '-5' }, 'USAGE_BUDGET_MAX_AMOUNT'],
    [{ ...sandbox, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ...sandbox, HTTP_REQUEST_TIMEOUT_MS: '0' }, 'HTTP_REQUEST_TIMEOUT_MS'],
    [{ ...sandbox, HTTP_REQUEST_TIMEOUT_MS: '600000' }, 'HTTP_REQUEST_TIMEOUT_MS'],
    // Sent as headers on every call: the HTTP client would refuse each one (a 500 per call, not one start-up error).
    [{ ...app, PARTNER_CENTER_APPLICATION_NAME: 'app\r\nX-Injected: 1' }, 'PARTNER_CENTER_APPLICATION_NAME'],
    [{ ...app, PARTNER_CENTER_APPLICATION_NAME: 'Büro €' }, 'PARTNER_CENTER_APPLICATION_NAME'],
    [{ ...app, PARTNER_CENTER_LOCALE: 'fr€' }, 'PARTNER_CENTER_LOCALE'],
    [{ ...app, PARTNER_CENTER_LOCALE: 'en-US\u0001' }, 'PARTNER_CENTER_LOCALE'],
    [{ ...app, PARTNER_CENTER_LOCALE: 'en US' }, 'PARTNER_CENTER_LOCALE'],
    [{ ...app, AZURE_CLIENT_CERTIFICATE_PASSWORD: 'pw' }, 'AZURE_CLIENT_CERTIFICATE_PASSWORD'],
    [{ ...sandbox, REDIS_COMMAND_TIMEOUT_MS: '0' }, 'REDIS_COMMAND_TIMEOUT_MS'],
    // Fastify compiles these at start-up and threw a bare TypeError (a stack trace naming no variable).
    // Two servers on one port: the second could never listen.
    [{ ...sandbox, PORT: '9000', METRICS_PORT: '9000' }, 'METRICS_PORT'],
    // A hop count cannot tell the proxy from a caller connecting directly (CVE-2026-16732).
    [{ ...sandbox, TRUST_PROXY: '1' }, 'TRUST_PROXY'],
    [{ ...sandbox, TRUST_PROXY: '10.0.0.0/99' }, 'TRUST_PROXY'],
    [{ ...sandbox, TRUST_PROXY: '10.0.0.1,,10.0.0.2' }, 'TRUST_PROXY'],
    [{ ...sandbox, TRUST_PROXY: '300.1.2.3' }, 'TRUST_PROXY'],
    [{ ...sandbox, TRUST_PROXY: '::1/129' }, 'TRUST_PROXY'],
    [{ ...sandbox, TRUST_PROXY: '10.0.0.0/255.0.255.0' }, 'TRUST_PROXY'],
    [{ ...sandbox, OTEL_EXPORTER_OTLP_ENDPOINT: 'notaurl' }, 'OTEL_EXPORTER_OTLP_ENDPOINT'],
    [{ ...sandbox, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://x/' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
    // The SDK only logs these and falls back (on every trace, or none): refused at start-up instead.
    [{ ...sandbox, OTEL_TRACES_SAMPLER: 'ratio' }, 'OTEL_TRACES_SAMPLER'],
    [{ ...sandbox, OTEL_TRACES_SAMPLER: 'AlwaysOn' }, 'OTEL_TRACES_SAMPLER'],
    [{ ...sandbox, OTEL_TRACES_SAMPLER_ARG: '10%' }, 'OTEL_TRACES_SAMPLER_ARG'],
    [{ ...sandbox, OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG'],
    [{ ...sandbox, OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(failure(env as Record<string, string>)).toMatch(new RegExp(`^${variable}`));
  });

  it('refuses AUTH_DISABLED=true in production, as it refuses the sandbox there', () => {
    const { AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET } = app;
    const credentials = { AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET, AUTH_DISABLED: 'true' };
    expect(failure({ ...credentials, NODE_ENV: 'production' })).toMatch(
      /^AUTH_DISABLED: .*NODE_ENV=production/,
    );
    expect(loadGatewayConfig(credentials).auth).toEqual({ mode: 'disabled' });
  });

  it('refuses a request timeout of 0, which would let a slow client hold a connection forever', () => {
    expect(failure({ ...sandbox, HTTP_REQUEST_TIMEOUT_MS: '0' })).toBe(
      'HTTP_REQUEST_TIMEOUT_MS: must be between 100 and 300000, got 0',
    );
    expect(loadGatewayConfig({ ...sandbox, HTTP_REQUEST_TIMEOUT_MS: '500' }).http.requestTimeoutMs).toBe(500);
  });

  it('refuses a body limit too small for a batch of USAGE_BUDGET_BATCH_MAX_IDS ids, naming both variables', () => {
    // 500 ids need 500 × 41 + 1,024 = 21,524 bytes: the former default of 16 KB did not hold them.
    const message = failure({ ...sandbox, HTTP_BODY_LIMIT_BYTES: '16384' });
    expect(message).toMatch(/^HTTP_BODY_LIMIT_BYTES: is 16384, too small/);
    expect(message).toContain('USAGE_BUDGET_BATCH_MAX_IDS (500)');
    expect(message).toContain('21524 bytes');
    expect(
      failure({ ...sandbox, HTTP_BODY_LIMIT_BYTES: '32768', USAGE_BUDGET_BATCH_MAX_IDS: '1000' }),
    ).toMatch(/^HTTP_BODY_LIMIT_BYTES: .*USAGE_BUDGET_BATCH_MAX_IDS \(1000\)/);
    expect(
      loadGatewayConfig({ ...sandbox, HTTP_BODY_LIMIT_BYTES: '16384', USAGE_BUDGET_BATCH_MAX_IDS: '300' })
        .http.bodyLimitBytes,
    ).toBe(16384);
    expect(loadGatewayConfig({ ...sandbox, HTTP_BODY_LIMIT_BYTES: '21524' }).http.bodyLimitBytes).toBe(21524);
  });

  it('has no CORS unless CORS_ALLOWED_ORIGINS lists origins', () => {
    expect(loadGatewayConfig(sandbox).cors).toEqual({ allowedOrigins: [], maxAgeSeconds: 600 });
    expect(loadGatewayConfig({ ...sandbox, CORS_ALLOWED_ORIGINS: ' ' }).cors.allowedOrigins).toEqual([]);
  });

  it('reads CORS_ALLOWED_ORIGINS as browsers serialise origins: lower case, no default port', () => {
    const { cors } = loadGatewayConfig({
      ...sandbox,
      CORS_ALLOWED_ORIGINS:
        'HTTPS://Portal.Example:443, http://127.0.0.1:8080,https://portal.example/, http://[::1]:80, https://bücher.example',
      CORS_MAX_AGE_SECONDS: '0',
    });
    expect(cors).toEqual({
      allowedOrigins: [
        'https://portal.example',
        'http://127.0.0.1:8080',
        'http://[::1]',
        'https://xn--bcher-kva.example',
      ],
      maxAgeSeconds: 0,
    });
  });

  it.each([
    ['*', /wildcard/],
    ['https://*.portal.example', /wildcard/],
    ['null', /"null"/],
    ['portal.example', /"portal.example" is not an http/],
    ['https://portal.example/app', /nothing after the port/],
    ['https://portal.example?x=1', /nothing after the port/],
    ['https://user@portal.example', /nothing after the port/],
    ['ftp://portal.example', /not an http/],
    ['https://portal.example:99999', /not an http/],
    ['https://portal.example,,https://other.example', /an entry is empty/],
  ])('refuses CORS_ALLOWED_ORIGINS=%s, naming the variable', (value, problem) => {
    const message = failure({ ...sandbox, CORS_ALLOWED_ORIGINS: value });
    expect(message).toMatch(/^CORS_ALLOWED_ORIGINS: must be origins/);
    expect(message).toMatch(problem);
  });

  it('bounds CORS_MAX_AGE_SECONDS to what browsers honour at most (a day)', () => {
    expect(failure({ ...sandbox, CORS_MAX_AGE_SECONDS: '86401' })).toMatch(/^CORS_MAX_AGE_SECONDS/);
    expect(failure({ ...sandbox, CORS_MAX_AGE_SECONDS: '-1' })).toMatch(/^CORS_MAX_AGE_SECONDS/);
  });

  it('reads TRUST_PROXY as a flag, or addresses, CIDRs and netmasks', () => {
    const trustProxy = (value: string) =>
      loadGatewayConfig({ ...sandbox, TRUST_PROXY: value }).http.trustProxy;
    expect(trustProxy('false')).toBe(false);
    expect(trustProxy('TRUE')).toBe(true);
    expect(trustProxy('10.0.0.0/8, 192.168.1.1,fd00::/8 , 172.16.0.0/255.240.0.0')).toBe(
      '10.0.0.0/8, 192.168.1.1,fd00::/8 , 172.16.0.0/255.240.0.0',
    );
  });

  it('refuses a certificate file whose certificate is not readable, naming the variable, never the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
    try {
      const { privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      const file = join(dir, 'credential.pem');
      writeFileSync(
        file,
        `${privateKey}-----BEGIN CERTIFICATE-----\nTUlJQm9ndXM=\n-----END CERTIFICATE-----\n`,
      );
      const { AZURE_CLIENT_SECRET: _secret, ...withoutSecret } = app;
      const message = failure({ ...withoutSecret, AZURE_CLIENT_CERTIFICATE_PATH: file });
      expect(message).toMatch(/^AZURE_CLIENT_CERTIFICATE_PATH: /);
      expect(message).toContain(file);
      expect(message).not.toContain('PRIVATE KEY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['AZURE_CLIENT_SECRET_FILE', 'Xy8Q~swapped.secret_value-0123456789abcdefg'],
    ['AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE', 'Xy8Q~swapped.password_value-0123456789abc'],
    ['REDIS_URL_FILE', 'rediss://:ACCESSKEY0123456789abcdefABCDEF=@cache.redis.cache.windows.net:6380'],
  ])('does not quote a secret set as the path in %s', (variable, secretShaped) => {
    const { AZURE_CLIENT_SECRET: _secret, ...withoutSecret } = app;
    const env =
      variable === 'AZURE_CLIENT_CERTIFICATE_PASSWORD_FILE'
        ? {
            ...withoutSecret,
            AZURE_CLIENT_CERTIFICATE_PATH: '/no/such/certificate.pem',
            [variable]: secretShaped,
          }
        : { ...(variable === 'REDIS_URL_FILE' ? app : withoutSecret), [variable]: secretShaped };
    const message = failure(env);
    expect(message).toMatch(
      new RegExp(`^${variable}: cannot read a value of ${secretShaped.length} characters`),
    );
    expect(message).not.toContain(secretShaped.slice(10, 30));
  });

  it('never quotes the access key of a REDIS_URL it refuses, inline or from REDIS_URL_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-redis-url-'));
    try {
      const file = join(dir, 'redis-url');
      for (const url of [
        'https://:redis-key-0123456789@cache:6380',
        'redis-key-0123456789 not a URL',
        // ioredis decoding these itself threw a bare 'URI malformed'; a path that is no database number failed later.
        'rediss://:redis-key-0123456789%zz@cache:6380',
        'rediss://:redis-key-0123456789@cache:6380/cache',
      ]) {
        writeFileSync(file, url);
        for (const env of [
          { ...app, REDIS_URL: url },
          { ...app, REDIS_URL_FILE: file },
        ]) {
          const message = failure(env);
          expect(message).toMatch(/^REDIS_URL: /);
          expect(message).not.toContain('redis-key-0123456789');
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not quote a PEM pasted into AZURE_CLIENT_CERTIFICATE_PATH, and still names a real path', () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const { AZURE_CLIENT_SECRET: _secret, ...withoutSecret } = app;
    const pasted = failure({ ...withoutSecret, AZURE_CLIENT_CERTIFICATE_PATH: privateKey });
    expect(pasted).toMatch(/^AZURE_CLIENT_CERTIFICATE_PATH: cannot read a value of \d+ characters/);
    expect(pasted).not.toContain(privateKey.split('\n')[1]);
    expect(failure({ ...withoutSecret, AZURE_CLIENT_CERTIFICATE_PATH: '/run/secrets/missing.pem' })).toBe(
      'AZURE_CLIENT_CERTIFICATE_PATH: cannot read /run/secrets/missing.pem (ENOENT)',
    );
  });

  it.each([
    [{ ...app, PARTNER_CENTER_BASE_URL: 'https://user:url-secret-1@api.partnercenter.microsoft.com' }],
    [{ ...app, AZURE_AUTHORITY_HOST: 'http://login.example.com/?key=url-secret-2' }],
    [{ ...app, AUTH_JWKS_URI: 'https://keys.example.com/jwks?sig=url-secret-3' }],
    [{ ...app, AUTH_ISSUER: 'http://user:url-secret-4@issuer.example.com/v2.0' }],
    [{ ...sandbox, OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://user:url-secret-5@collector:4317' }],
    [{ ...sandbox, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318?api_key=url-secret-6' }],
    // A secret pasted into the wrong variable is no URL at all: not quoted back either.
    [{ ...app, PARTNER_CENTER_BASE_URL: 'url-secret-7~AbCdEfGh' }],
  ])('names a bad URL variable without quoting a credential it holds: %j', (env) => {
    const message = failure(env as Record<string, string>);
    expect(message).toMatch(/^[A-Z_]+: /);
    expect(message).not.toMatch(/url-secret-\d/);
  });

  it('does not quote a client secret swapped into AZURE_CLIENT_ID or AZURE_TENANT_ID', () => {
    const secretShaped = 'Xy8Q~swapped.secret_value-0123456789abcdefg';
    for (const variable of ['AZURE_CLIENT_ID', 'AZURE_TENANT_ID']) {
      const message = failure({ ...app, [variable]: secretShaped });
      expect(message).toMatch(new RegExp(`^${variable}: `));
      expect(message).not.toContain(secretShaped);
    }
  });

  it('refuses a NODE_EXTRA_CA_CERTS that is unreadable or holds no certificate, which Node only warns about', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
    try {
      const notPem = join(dir, 'not-a-ca.pem');
      writeFileSync(notPem, 'just text\n');
      const ca = join(dir, 'ca.pem');
      writeFileSync(ca, (await localCertificate()).cert);
      expect(failure({ ...sandbox, NODE_EXTRA_CA_CERTS: join(dir, 'missing.pem') })).toMatch(
        /^NODE_EXTRA_CA_CERTS: cannot read .*missing\.pem \(ENOENT\)/,
      );
      expect(failure({ ...sandbox, NODE_EXTRA_CA_CERTS: notPem })).toMatch(
        /^NODE_EXTRA_CA_CERTS: .*not-a-ca\.pem holds no PEM certificate/,
      );
      expect(loadGatewayConfig({ ...sandbox, NODE_EXTRA_CA_CERTS: ca }).upstream.target).toBe('sandbox');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts the standard OpenTelemetry sampler settings', () => {
    for (const sampler of ['always_on', 'always_off', 'traceidratio', 'parentbased_traceidratio'])
      expect(
        loadGatewayConfig({ ...sandbox, OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: '0.25' })
          .upstream.target,
      ).toBe('sandbox');
    expect(loadGatewayConfig({ ...sandbox, OTEL_SDK_DISABLED: 'TRUE' }).upstream.target).toBe('sandbox');
  });

  it('never quotes the client secret in an error', () => {
    expect(failure({ ...app, AZURE_CLIENT_CERTIFICATE_PATH: '/x.pem' })).not.toContain('s3cr3t-value');
  });
});
