import { generateKeyPairSync } from 'node:crypto';
import { loadGatewayConfig } from '../../../src/gateway-config';
import { gatewaySecrets } from '../../../src/gateway-secrets';
import type { PartnerCenterOptions } from '../../../src/partner-center/partner-center.options';

const ENV = {
  AZURE_CLIENT_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  AZURE_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  AZURE_CLIENT_SECRET: 'client~secret.value_0123456789',
  AUTH_DISABLED: 'true',
  REDIS_URL: 'rediss://default:p%40ss%2Fword-123@cache.example:6380',
  OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Basic%20dXNlcjpwYXNzd29yZA%3D%3D,x-api-key=key-0123456789',
};

describe('the secrets the gateway hands to its log scrubber', () => {
  it('are the client secret, the password in REDIS_URL (as written and decoded) and the OTLP header values', () => {
    const config = loadGatewayConfig(ENV);
    if (config.upstream.target !== 'partner-center') throw new Error('configured for Partner Center');
    expect(gatewaySecrets(config, config.upstream.connection, ENV)).toEqual(
      expect.arrayContaining([
        'client~secret.value_0123456789',
        'p%40ss%2Fword-123',
        'p@ss/word-123',
        'Basic dXNlcjpwYXNzd29yZA==',
        'dXNlcjpwYXNzd29yZA==',
        'key-0123456789',
      ]),
    );
  });

  it("are, for a certificate, each line of its private key's PEM body and the whole body", () => {
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const body = privateKey.split('\n').filter((line) => line && !line.startsWith('-----'));
    const config = loadGatewayConfig({ ...ENV, REDIS_URL: '', OTEL_EXPORTER_OTLP_HEADERS: '' });
    const partnerCenter = {
      credential: {
        kind: 'certificate',
        certificatePath: '/x.pem',
        certificate: { privateKey, thumbprintSha256: '', x5c: '' },
      },
    } as unknown as PartnerCenterOptions;
    expect(gatewaySecrets(config, partnerCenter, {})).toEqual([...body, body.join('')]);
  });
});
