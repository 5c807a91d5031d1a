import { formatSandboxBanner } from '../../src/banner';
import { SANDBOX_CLIENT_ID } from '../../src/defaults';
import { optionsFromEnv } from '../../src/main';
import { SEEDED_CUSTOMERS } from '../../src/partner-center/seed';
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

  it('refuses a port that is not a number', () => {
    expect(() => optionsFromEnv({ SANDBOX_PORT: 'https' })).toThrow(/SANDBOX_PORT/);
  });
});

describe('formatSandboxBanner', () => {
  const sandbox = (secretGenerated: boolean) =>
    ({
      url: 'https://127.0.0.1:8443',
      authority: 'https://127.0.0.1:8443/tenant',
      tenantId: 'tenant',
      caCertPath: '/state/ca.pem',
      defaultClient: { clientId: 'client', clientSecret: 'the-secret' },
      defaultClientSecretGenerated: secretGenerated,
      customers: SEEDED_CUSTOMERS,
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

  it('never prints a secret the sandbox did not generate', () => {
    expect(formatSandboxBanner(sandbox(false))).not.toContain('the-secret');
  });
});
