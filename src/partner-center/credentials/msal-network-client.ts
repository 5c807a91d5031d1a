import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { ConnectionPool } from '../../common/http/connection-pool';
import { httpsExchange, type ExchangeResponse } from '../../common/http/https-exchange';
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
    return { status: response.status, headers: response.headers, body: bodyOf(response) as T };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

/** What an answer that is no OAuth JSON (an HTML page from a proxy, an empty 404) is called in its error. */
export const NON_JSON_ANSWER = 'non_json_answer';

/**
 * The answer's JSON object; else an OAuth-shaped error saying what came instead. Given nothing, MSAL would raise no
 * error with the status but "no access token", which the gateway could only read as "Entra ID could not be reached",
 * and retry: an HTML 400 from a proxy is no outage, and the operator needs to see what answered.
 */
function bodyOf(response: ExchangeResponse): unknown {
  const type = response.headers['content-type']?.split(';')[0].trim() || 'no content type';
  try {
    const body: unknown = JSON.parse(response.body);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body;
  } catch {
    // not JSON: said below
  }
  return {
    error: NON_JSON_ANSWER,
    error_description: `Entra ID answered HTTP ${response.status} with ${response.body ? type : 'an empty body'}, not OAuth JSON (a proxy, or a wrong AZURE_AUTHORITY_HOST?)`,
  };
}
