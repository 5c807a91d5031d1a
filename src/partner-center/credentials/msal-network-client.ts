import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import axios from 'axios';
import type { Agent } from 'node:https';

/**
 * MSAL's own client is `fetch` with no timeout on POST, and it cannot be given the keep-alive agent or the
 * sandbox's CA. This one sends MSAL's requests through the gateway's agent, each bounded by a timeout, so a hung
 * token endpoint fails the call instead of hanging it.
 */
export function createMsalNetworkClient(agent: Agent, timeoutMs: number): INetworkModule {
  const send = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> => {
    const response = await axios.request({
      url,
      method,
      headers: options?.headers,
      data: options?.body,
      httpsAgent: agent,
      timeout: Math.min(timeout ?? timeoutMs, timeoutMs),
      responseType: 'text',
      transformResponse: [(data: string) => data],
      validateStatus: () => true,
      maxRedirects: 0,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
    }
    let body: unknown = {};
    try {
      body = response.data ? JSON.parse(response.data as string) : {};
    } catch {
      body = {}; // an HTML error page from a proxy: MSAL reads the status and reports a server error.
    }
    return { status: response.status, headers, body: body as T };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}
