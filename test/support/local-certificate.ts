import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { generate } from 'selfsigned';

/**
 * A self-signed certificate for 127.0.0.1 that is its own CA, made at test time (never committed): `cert` is what a
 * client trusts, `private` the server's key, both PEM.
 */
export async function localCertificate(): Promise<{ cert: string; private: string }> {
  const keyPair = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const certificate = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyPair,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { cert: certificate.cert, private: certificate.private };
}
