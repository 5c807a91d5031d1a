import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { RegisteredClient } from './client-registry';

/**
 * Verifies a certificate client assertion the way Entra does: the thumbprint header names the registered
 * certificate, its key signed the JWT (RS256 for x5t, PS256 for x5t#S256 as msal-node 7 sends),
 * aud is the token endpoint and iss = sub = client id. Returns why it is rejected, or undefined.
 */
export async function rejectClientAssertion(
  assertion: string,
  client: RegisteredClient,
  tokenEndpoints: string[],
): Promise<string | undefined> {
  const certificate = client.certificate;
  if (!certificate) return `No certificate is registered for application '${client.clientId}'.`;
  let header;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    return 'The client assertion is not a well-formed JWT.';
  }
  const x5tS256 = header['x5t#S256'];
  if (x5tS256 === undefined && header.x5t === undefined)
    return 'The client assertion has no x5t or x5t#S256 header.';
  if (x5tS256 !== undefined ? x5tS256 !== certificate.x5tS256 : header.x5t !== certificate.x5t) {
    return `The key was not found: the thumbprint in the assertion does not match a certificate registered for application '${client.clientId}'.`;
  }
  try {
    await jwtVerify(assertion, certificate.publicKey, {
      algorithms: ['RS256', 'PS256'],
      audience: tokenEndpoints,
      issuer: client.clientId,
      subject: client.clientId,
      requiredClaims: ['exp', 'aud', 'iss', 'sub'],
      clockTolerance: 300,
    });
    return undefined;
  } catch (error) {
    return describeJoseError(error);
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The client assertion has expired.';
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'The signature does not match the registered certificate.';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `Claim '${error.claim}' is invalid: ${error.message}.`;
  return error instanceof Error ? error.message : String(error);
}
