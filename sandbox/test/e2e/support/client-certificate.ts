import { createPrivateKey, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ClientCertificate } from '../../../src/client-certificate';

export { createClientCertificate, type ClientCertificate } from '../../../src/client-certificate';

export interface AssertionOverrides {
  alg?: 'PS256' | 'RS256';
  aud?: string;
  iss?: string;
  sub?: string;
  expiresInSeconds?: number;
  signingKeyPem?: string;
  thumbprintHex?: string;
}

/** A client assertion built the way msal-node 7 builds it (PS256 + x5t#S256, or RS256 + x5t). */
export async function clientAssertion(
  cert: ClientCertificate,
  clientId: string,
  tokenEndpoint: string,
  o: AssertionOverrides = {},
): Promise<string> {
  const alg = o.alg ?? 'PS256';
  const thumbprint = Buffer.from(
    o.thumbprintHex ?? (alg === 'PS256' ? cert.thumbprintSha256 : cert.thumbprintSha1),
    'hex',
  ).toString('base64url');
  const x5c = cert.certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg, [alg === 'PS256' ? 'x5t#S256' : 'x5t']: thumbprint, x5c: [x5c] })
    .setAudience(o.aud ?? tokenEndpoint)
    .setIssuer(o.iss ?? clientId)
    .setSubject(o.sub ?? clientId)
    .setNotBefore(now)
    .setExpirationTime(now + (o.expiresInSeconds ?? 600))
    .sign(createPrivateKey(o.signingKeyPem ?? cert.privateKeyPem));
}
