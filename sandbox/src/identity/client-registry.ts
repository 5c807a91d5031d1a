import { X509Certificate, type KeyObject } from 'node:crypto';
import type { SandboxClient } from '../types';

export interface RegisteredClient {
  clientId: string;
  clientSecret?: string;
  certificate?: {
    publicKey: KeyObject;
    /** base64url of the SHA-1 / SHA-256 certificate hash, as in a JWT's x5t / x5t#S256 header. */
    x5t: string;
    x5tS256: string;
  };
}

/** The app registrations of the partner tenant. */
export class ClientRegistry {
  private clients = new Map<string, RegisteredClient>();

  register(client: SandboxClient): void {
    if (!client.clientId) throw new Error('a client needs a clientId');
    if (!client.clientSecret && !client.certificatePem)
      throw new Error(`client ${client.clientId} needs a clientSecret or a certificatePem`);
    this.clients.set(client.clientId.toLowerCase(), {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      certificate: client.certificatePem ? describeCertificate(client.certificatePem) : undefined,
    });
  }

  find(clientId: string): RegisteredClient | undefined {
    return this.clients.get(clientId.toLowerCase());
  }
}

function describeCertificate(pem: string): NonNullable<RegisteredClient['certificate']> {
  const certificate = new X509Certificate(pem);
  const hash = (fingerprint: string) =>
    Buffer.from(fingerprint.replace(/:/g, ''), 'hex').toString('base64url');
  return {
    publicKey: certificate.publicKey,
    x5t: hash(certificate.fingerprint),
    x5tS256: hash(certificate.fingerprint256),
  };
}
