import { generateKeyPair } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generate } from 'selfsigned';

export interface SandboxTls {
  caCertPem: string;
  caCertPath: string;
  /** Leaf key and certificate the HTTPS server presents. */
  key: string;
  cert: string;
}

/**
 * A throw-away CA and a server certificate signed by it, made at every start so nothing secret is ever committed.
 * Clients trust the CA (ca.pem), exactly as they would trust a corporate CA in front of Partner Center.
 */
export async function createSandboxTls(publicHost: string, stateDir: string): Promise<SandboxTls> {
  // RSA key generation dominates start-up: make both keys at once on the thread pool.
  const [caKeys, leafKeys] = await Promise.all([rsaKeyPair(), rsaKeyPair()]);
  const ca = await generate([{ name: 'commonName', value: 'Partner Center Sandbox CA' }], {
    keyPair: caKeys,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: publicHost }], {
    keyPair: leafKeys,
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: subjectAltNames(publicHost) },
    ],
  });
  await mkdir(stateDir, { recursive: true });
  const caCertPath = join(stateDir, 'ca.pem');
  await writeFile(caCertPath, ca.cert);
  return { caCertPem: ca.cert, caCertPath, key: leaf.private, cert: leaf.cert };
}

function subjectAltNames(publicHost: string): Array<{ type: 2; value: string } | { type: 7; ip: string }> {
  const names = new Set(['127.0.0.1', 'localhost', publicHost]);
  return [...names].map((name) =>
    isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name },
  );
}

async function rsaKeyPair(): Promise<{ privateKey: string; publicKey: string }> {
  return promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
