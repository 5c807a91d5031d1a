import type { Agent as UndiciAgent, Dispatcher } from 'undici';
import { trustedSecureContext } from './trusted-secure-context';

/** The largest body read from an upstream answer; a budget, a token or an OpenID document is a few kilobytes. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** What the gateway's HTTPS exchange needs of a pool of connections. */
export interface ConnectionPool {
  /** undici's low-level API: the answer reaches `handler` as it arrives (no stream, no promise per call). */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  /** Closes every connection at once (shutdown): calls still in flight fail. */
  destroy(): Promise<void>;
}

// undici's index also loads fetch, WebSocket, EventSource, the HTTP cache and the mocks: ~7 MB more RSS in the
// gateway under load, against a 150 MB target, for nothing the gateway uses. Its package has no `exports` map, so
// this module is a public path; an undici update that moves it fails at start-up, in every test.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Agent = require('undici/lib/dispatcher/agent') as typeof UndiciAgent;

/**
 * The keep-alive connections to one upstream's origins (Partner Center with Entra ID's token endpoint; the inbound
 * token issuer's discovery), built once: an undici Agent, one pool of up to 128 connections per origin. A pool takes
 * the first free connection, so the warm ones stay busy and the rest close after 10 s idle (sooner when the server's
 * Keep-Alive hint says so, which avoids sending on a connection the server is closing).
 */
export function createConnectionPool(extraCaCertificates: string[] = []): ConnectionPool {
  const secureContext = trustedSecureContext(extraCaCertificates);
  const agent = new Agent({
    connections: 128,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    maxResponseSize: MAX_RESPONSE_BYTES,
    connect: secureContext ? { secureContext } : {},
  });
  return {
    dispatch: (options, handler) => agent.dispatch(options, handler),
    destroy: () => agent.destroy(),
  };
}
