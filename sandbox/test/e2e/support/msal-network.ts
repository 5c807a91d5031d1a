import { request } from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/** MSAL's network module over node:https trusting the sandbox CA (MSAL's default fetch would use the system store). */
export function sandboxNetworkClient(caCertPem: string): INetworkModule {
  const send = <T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      const req = request(
        url,
        { method, ca: caCertPem, headers: options?.headers, timeout: 10_000 },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            try {
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers as Record<string, string>,
                body: JSON.parse(body) as T,
              });
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout calling ${url}`)));
      req.on('error', reject);
      if (method === 'POST') req.write(options?.body ?? '');
      req.end();
    });
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('GET', url, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options),
  };
}
