import { generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { exportJWK, SignJWT, type JWK, type JWTPayload } from 'jose';

/** The sandbox's token-signing key: one RSA key, published in the JWKS under a key id. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
  sign(claims: JWTPayload): Promise<string>;
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const kid = randomUUID().replace(/-/g, '');
  const jwk = { ...(await exportJWK(publicKey)), kid, kty: 'RSA', use: 'sig', alg: 'RS256' };
  return {
    kid,
    privateKey,
    publicKey,
    jwk,
    sign: (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(privateKey),
  };
}
