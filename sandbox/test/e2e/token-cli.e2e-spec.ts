import { decodeJwt } from 'jose';
import { startSandbox, type RunningSandbox } from '../../src';
import { runTokenCli } from '../../src/token-cli';

describe('token CLI against a running sandbox', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
  });
  afterAll(() => sandbox.close());

  it('gets a caller token with the requested claims, trusting the CA from --ca', async () => {
    const token = await runTokenCli(
      [
        '--sandbox-url',
        sandbox.url,
        '--ca',
        sandbox.caCertPath,
        '--role',
        'UsageBudget.Read',
        '--role',
        'UsageBudget.Write',
        '--scope',
        'access_as_user',
        '--sub',
        'subject-1',
        '--upn',
        'cli@sandbox.test',
        '--no-mfa',
        '--expires-in',
        '300',
      ],
      {},
    );
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      aud: sandbox.callerAudience,
      iss: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
      roles: ['UsageBudget.Read', 'UsageBudget.Write'],
      scp: 'access_as_user',
      sub: 'subject-1',
      upn: 'cli@sandbox.test',
      amr: ['pwd'],
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);
  });

  it('reads the sandbox URL and CA from SANDBOX_URL and SANDBOX_CA_CERT', async () => {
    const token = await runTokenCli([], { SANDBOX_URL: sandbox.url, SANDBOX_CA_CERT: sandbox.caCertPath });
    expect(decodeJwt(token)).toMatchObject({ amr: ['pwd', 'mfa'] });
  });

  it('refuses a sandbox whose CA it was not given', async () => {
    await expect(runTokenCli(['--sandbox-url', sandbox.url], {})).rejects.toThrow();
  });
});
