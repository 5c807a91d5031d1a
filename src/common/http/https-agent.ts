import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';

/**
 * A keep-alive agent, built once per upstream: Partner Center with Entra ID's token endpoint, and the inbound
 * token issuer's keys.
 *
 * Node trusts the system store plus NODE_EXTRA_CA_CERTS by default; but giving an agent its own `ca` replaces
 * that whole set, so when extra CAs are added (the embedded sandbox's) the defaults are added back explicitly.
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
  if (extraCaCertificates.length === 0) return new Agent(options);
  // One secure context for every connection: given as `ca`, Node would parse the ~140 root certificates again for
  // each new socket (~100 ms of CPU each, the event loop blocked), which a burst of new connections turns into seconds.
  const secureContext = createSecureContext({
    ca: [...rootCertificates, ...nodeExtraCaCertificates(), ...extraCaCertificates],
  });
  return new Agent({ ...options, secureContext });
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
