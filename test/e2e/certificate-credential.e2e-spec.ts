import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createClientCertificate, startSandbox, RunningSandbox } from 'partner-center-sandbox';
import { loadGatewayConfig } from '../../src/gateway-config';
import { loadCertificateCredential } from '../../src/partner-center/credentials/certificate-credential';
import { startGateway } from './support/gateway';
import { CONTOSO } from './support/ids';

/** Issue 2, point 3: the app may prove itself with a certificate (PEM file) instead of a secret. */
describe('certificate credential', () => {
  let sandbox: RunningSandbox;
  let dir: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    dir = mkdtempSync(join(tmpdir(), 'gateway-cert-'));
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets tokens with a signed client assertion and reads a budget', async () => {
    const certificate = await createClientCertificate();
    const clientId = randomUUID();
    sandbox.registerClient({ clientId, certificatePem: certificate.certificatePem });
    const certificatePath = join(dir, 'app.pem');
    writeFileSync(certificatePath, `${certificate.privateKeyPem}\n${certificate.certificatePem}\n`, {
      mode: 0o600,
    });

    const credential = {
      kind: 'certificate' as const,
      certificatePath,
      certificate: loadCertificateCredential(certificatePath),
    };
    const gateway = await startGateway({ sandbox, partnerCenter: { clientId, credential } });
    try {
      const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(response.status).toBe(200);
      const [tokenRequest] = sandbox.requestLog.entries({ target: 'token' });
      const form = new URLSearchParams(tokenRequest.body);
      expect(form.get('client_assertion_type')).toBe(
        'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      );
      expect(form.get('client_secret')).toBeNull();
      expect(form.get('scope')).toBe('https://api.partnercenter.microsoft.com/.default');
    } finally {
      await gateway.close();
    }
  });

  it('refuses to start with a key that does not belong to the certificate, naming the variable', async () => {
    const [one, other] = await Promise.all([createClientCertificate(), createClientCertificate()]);
    const certificatePath = join(dir, 'mismatch.pem');
    writeFileSync(certificatePath, `${other.privateKeyPem}\n${one.certificatePem}\n`);
    expect(() =>
      loadGatewayConfig({
        AZURE_CLIENT_ID: randomUUID(),
        AZURE_TENANT_ID: sandbox.tenantId,
        AZURE_CLIENT_CERTIFICATE_PATH: certificatePath,
      }),
    ).toThrow(/^AZURE_CLIENT_CERTIFICATE_PATH: .*does not belong/);
  });
});
