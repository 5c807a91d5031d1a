import { Agent, type Dispatcher } from 'undici';
import { trustedSecureContext } from './https-agent';

/** The largest body read from an upstream answer; a budget, a token or an OpenID document is a few kilobytes. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The keep-alive connections to one upstream's origins (Partner Center with Entra ID's token endpoint; the inbound
 * token issuer's discovery), built once: an undici Agent, one pool of up to 128 connections per origin. A pool takes
 * the first free connection, so the warm ones stay busy and the rest close after 10 s idle (sooner when the server's
 * Keep-Alive hint says so, which avoids sending on a connection the server is closing).
 */
export function createConnectionPool(extraCaCertificates: string[] = []): Dispatcher {
  const secureContext = trustedSecureContext(extraCaCertificates);
  return new Agent({
    connections: 128,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    maxResponseSize: MAX_RESPONSE_BYTES,
    connect: secureContext ? { secureContext } : {},
  });
}
