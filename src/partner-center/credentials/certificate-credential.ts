import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, quotedPath } from '../../config/env';

/** What MSAL needs to sign a client assertion with a certificate. */
export interface CertificateCredential {
  thumbprintSha256: string;
  privateKey: string;
  /** The certificate chain as PEM, sent as x5c (needed for subject-name/issuer authentication). */
  x5c: string;
}

const VARIABLE = 'AZURE_CLIENT_CERTIFICATE_PATH';

/**
 * Reads a PEM file holding the private key and its certificate (and optionally the chain), as Azure's SDKs
 * accept it. Checks at start-up that the key belongs to the certificate and that it is not expired, so a wrong
 * file fails with a message naming the variable instead of an AADSTS error at the first call.
 */
export function loadCertificateCredential(path: string, password?: string): CertificateCredential {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      VARIABLE,
      `cannot read ${quotedPath(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const keyBlock =
    /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.exec(
      pem,
    );
  const certificates: string[] =
    pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!keyBlock) throw new ConfigError(VARIABLE, `${path} holds no PEM private key`);
  if (certificates.length === 0) throw new ConfigError(VARIABLE, `${path} holds no PEM certificate`);

  let privateKey;
  try {
    privateKey = createPrivateKey(password ? { key: keyBlock[0], passphrase: password } : keyBlock[0]);
  } catch {
    throw new ConfigError(
      VARIABLE,
      `the private key in ${path} cannot be read${password ? ' with AZURE_CLIENT_CERTIFICATE_PASSWORD' : ' (encrypted? set AZURE_CLIENT_CERTIFICATE_PASSWORD)'}`,
    );
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificates[0]);
  } catch {
    // OpenSSL's own message ("asn1 encoding routines::too long") names neither the variable nor the file.
    throw new ConfigError(
      VARIABLE,
      `the first certificate in ${path} cannot be read (not a valid X.509 PEM)`,
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ConfigError(VARIABLE, `the private key in ${path} does not belong to its first certificate`);
  }
  if (Date.parse(certificate.validTo) < Date.now()) {
    throw new ConfigError(VARIABLE, `the certificate in ${path} expired on ${certificate.validTo}`);
  }
  return {
    thumbprintSha256: certificate.fingerprint256.replace(/:/g, '').toLowerCase(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    x5c: certificates.join('\n'),
  };
}
