import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/**
 * The TLS trust for upstream connections when extra CAs are given (the embedded sandbox's), else undefined: Node's
 * defaults (the system store plus NODE_EXTRA_CA_CERTS). Given as `ca`, the extra CAs would replace that whole set, so
 * the defaults are added back explicitly. One secure context for every connection: as `ca`, Node would parse the
 * ~140 root certificates again for each new socket (~100 ms of CPU each, the event loop blocked), which a burst of
 * new connections turns into seconds.
 */
export function trustedSecureContext(extraCaCertificates: string[]): SecureContext | undefined {
  if (extraCaCertificates.length === 0) return undefined;
  return createSecureContext({
    ca: [...rootCertificates, ...nodeExtraCaCertificates(), ...extraCaCertificates],
  });
}

function nodeExtraCaCertificates(): string[] {
  const path = process.env.NODE_EXTRA_CA_CERTS;
  if (!path) return [];
  try {
    return [readFileSync(path, 'utf8')];
  } catch {
    return []; // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; do the same by ignoring it.
  }
}
