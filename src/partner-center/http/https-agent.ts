import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';

/**
 * One keep-alive agent for every call to Partner Center and Entra ID, built once.
 *
 * Node trusts the system store plus NODE_EXTRA_CA_CERTS by default; but giving an agent its own `ca` replaces
 * that whole set, so when extra CAs are added (the embedded sandbox's) the defaults are added back explicitly.
 */
export function createHttpsAgent(extraCaCertificates: string[] = []): Agent {
  const options = {
    keepAlive: true,
    keepAliveMsecs: 10_000,
    maxSockets: 64,
    maxFreeSockets: 16,
    timeout: 60_000,
  };
  if (extraCaCertificates.length === 0) return new Agent(options);
  return new Agent({
    ...options,
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
