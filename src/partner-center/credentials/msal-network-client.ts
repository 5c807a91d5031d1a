import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { ConnectionPool } from '../../common/http/connection-pool';
import { httpsExchange } from '../../common/http/https-exchange';
import type { EntraIdWaits } from './entra-id-waits';

/**
 * MSAL's own client is `fetch` with no timeout on POST, and it cannot be given the keep-alive connections or the
 * sandbox's CA. This one sends MSAL's requests through the gateway's one HTTPS exchange and connection pool, each bounded by
 * a timeout, so a hung token endpoint fails the attempt instead of hanging it.
 */
export function createMsalNetworkClient(
  pool: ConnectionPool,
  timeoutMs: number,
  waits?: EntraIdWaits,
): INetworkModule {
  const send = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> => {
    const response = await httpsExchange(pool, {
      method,
      url,
      headers: options?.headers,
      body: options?.body,
      timeoutMs: Math.min(timeout ?? timeoutMs, timeoutMs),
    });
    waits?.note(response.status, response.headers['retry-after']);
    let body: unknown = {};
    try {
      body = response.body ? JSON.parse(response.body) : {};
    } catch {
      body = {}; // an HTML error page from a proxy: MSAL reads the status and reports a server error.
    }
    return { status: response.status, headers: response.headers, body: body as T };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}
