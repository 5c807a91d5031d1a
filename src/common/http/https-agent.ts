import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/**
 * Node's keep-alive agent, for the one client that needs Node's own `https`: jose's JWKS fetch (the inbound token
 * issuer's keys). Every other upstream call goes through a connection pool (connection-pool.ts).
 */
export function createHttpsAgent(extraCaCertificates: string[] = []): Agent {
  // As many idle sockets kept as may be open: with fewer, a burst above the idle limit closes sockets that the next
  // burst must open again, a TLS handshake each. LIFO reuse keeps the warm ones busy and lets the rest time out.
  const options = {
    keepAlive: true,
    keepAliveMsecs: 10_000,
    maxSockets: 128,
    maxFreeSockets: 128,
    scheduling: 'lifo' as const,
    timeout: 60_000,
  };
  const secureContext = trustedSecureContext(extraCaCertificates);
  return secureContext ? new Agent({ ...options, secureContext }) : new Agent(options);
}

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
