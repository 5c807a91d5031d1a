import { formatSandboxBanner } from '../../src/banner';
import { SANDBOX_CLIENT_ID } from '../../src/defaults';
import { optionsFromEnv } from '../../src/main';
import { SEEDED_CUSTOMERS, seedCustomers } from '../../src/partner-center/seed';
import type { RunningSandbox } from '../../src/types';

describe('sandbox CLI options', () => {
  it('listens on 8443 with the documented client by default', () => {
    expect(optionsFromEnv({})).toMatchObject({
      port: 8443,
      clients: [{ clientId: SANDBOX_CLIENT_ID, clientSecret: undefined }],
    });
  });

  it('reads host, port, public host, state dir and client from SANDBOX_* variables', () => {
    const options = optionsFromEnv({
      SANDBOX_HOST: '0.0.0.0',
      SANDBOX_PORT: '9443',
      SANDBOX_PUBLIC_HOST: 'sandbox.test',
      SANDBOX_STATE_DIR: '/tmp/x',
      SANDBOX_CLIENT_ID: 'app',
      SANDBOX_CLIENT_SECRET: 's',
    });
    expect(options).toMatchObject({
      host: '0.0.0.0',
      port: 9443,
      publicHost: 'sandbox.test',
      stateDir: '/tmp/x',
      clients: [{ clientId: 'app', clientSecret: 's' }],
    });
  });

  it('reads the throttle, extra customers and the request log limit', () => {
    expect(
      optionsFromEnv({
        SANDBOX_THROTTLE_WINDOW_MS: '1000',
        SANDBOX_THROTTLE_PER_PARTNER: '50',
        SANDBOX_THROTTLE_PER_CUSTOMER: '5',
        SANDBOX_EXTRA_CUSTOMERS: '1000',
        SANDBOX_REQUEST_LOG_LIMIT: '500',
      }),
    ).toMatchObject({
      throttle: { windowMs: 1000, perPartner: 50, perCustomer: 5 },
      extraCustomers: 1000,
      requestLogLimit: 500,
    });
    expect(optionsFromEnv({}).throttle).toBeUndefined();
  });

  it('refuses a throttle without a window or a limit, and counts that are not integers', () => {
    expect(() => optionsFromEnv({ SANDBOX_THROTTLE_PER_PARTNER: '5' })).toThrow(/SANDBOX_THROTTLE_WINDOW_MS/);
    expect(() => optionsFromEnv({ SANDBOX_THROTTLE_WINDOW_MS: '1000' })).toThrow(/PER_PARTNER/);
    expect(() => optionsFromEnv({ SANDBOX_EXTRA_CUSTOMERS: 'many' })).toThrow(/SANDBOX_EXTRA_CUSTOMERS/);
  });

  it('refuses a port that is not a number', () => {
    expect(() => optionsFromEnv({ SANDBOX_PORT: 'https' })).toThrow(/SANDBOX_PORT/);
  });
});

describe('formatSandboxBanner', () => {
  const sandbox = (secretGenerated: boolean, customers = SEEDED_CUSTOMERS) =>
    ({
      url: 'https://127.0.0.1:8443',
      authority: 'https://127.0.0.1:8443/tenant',
      tenantId: 'tenant',
      caCertPath: '/state/ca.pem',
      defaultClient: { clientId: 'client', clientSecret: 'the-secret' },
      defaultClientSecretGenerated: secretGenerated,
      customers,
    }) as unknown as RunningSandbox;

  it('shows the URL, CA path, tenant, client and a curl example using --cacert', () => {
    const banner = formatSandboxBanner(sandbox(true));
    for (const part of [
      'https://127.0.0.1:8443',
      '/state/ca.pem',
      'tenant',
      'client',
      'the-secret',
      "--cacert '/state/ca.pem'",
      SEEDED_CUSTOMERS[0].id,
    ]) {
      expect(banner).toContain(part);
    }
  });

  it('sums extra customers up in one line instead of listing them', () => {
    const banner = formatSandboxBanner(sandbox(true, seedCustomers(1000)));
    expect(banner).toContain(
      'and 1000 extra customers, d0000000-0000-4000-8000-000000000001 … d0000000-0000-4000-8000-0000000003e8',
    );
    expect(banner.split('\n').length).toBeLessThan(30);
  });

  it('never prints a secret the sandbox did not generate', () => {
    expect(formatSandboxBanner(sandbox(false))).not.toContain('the-secret');
  });
});
