import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface ClientCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** Hex thumbprints, as given to msal-node. */
  thumbprintSha1: string;
  thumbprintSha256: string;
}

/**
 * A self-signed certificate credential for an app, made on demand: register its `certificatePem` as a sandbox
 * client and give the key to the client under test, so certificate authentication is tried without a real one.
 */
export async function createClientCertificate(
  commonName = 'usage-budget-gateway',
): Promise<ClientCertificate> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
  });
  const certificate = new X509Certificate(pems.cert);
  const hex = (fingerprint: string) => fingerprint.replace(/:/g, '').toLowerCase();
  return {
    certificatePem: pems.cert,
    privateKeyPem: pems.private,
    thumbprintSha1: hex(certificate.fingerprint),
    thumbprintSha256: hex(certificate.fingerprint256),
  };
}
