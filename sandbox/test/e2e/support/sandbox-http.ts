import { Agent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { RunningSandbox } from '../../../src';

/** axios over real TLS, trusting only the sandbox's CA; every status is returned, never thrown. */
export function sandboxHttp(sandbox: RunningSandbox, timeoutMs = 10_000): AxiosInstance {
  return axios.create({
    baseURL: sandbox.url,
    httpsAgent: new Agent({ ca: sandbox.caCertPem, keepAlive: false }),
    validateStatus: () => true,
    timeout: timeoutMs,
    transitional: { clarifyTimeoutError: true },
  });
}

export const PC_DEFAULT_SCOPE = 'https://api.partnercenter.microsoft.com/.default';
export const PC_USER_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation';

export function tokenPath(sandbox: RunningSandbox, tenant = sandbox.tenantId): string {
  return `/${tenant}/oauth2/v2.0/token`;
}

export function form(fields: Record<string, string>): [string, { headers: Record<string, string> }] {
  return [
    new URLSearchParams(fields).toString(),
    { headers: { 'content-type': 'application/x-www-form-urlencoded' } },
  ];
}

/** An app-only Partner Center token for the default client. */
export async function appToken(sandbox: RunningSandbox, http: AxiosInstance): Promise<string> {
  const response = await http.post(
    tokenPath(sandbox),
    ...form({
      grant_type: 'client_credentials',
      client_id: sandbox.defaultClient.clientId,
      client_secret: sandbox.defaultClient.clientSecret,
      scope: PC_DEFAULT_SCOPE,
    }),
  );
  if (response.status !== 200)
    throw new Error(`token request failed: ${response.status} ${JSON.stringify(response.data)}`);
  return response.data.access_token;
}

export function budgetPath(customerId: string): string {
  return `/v1/customers/${customerId}/usagebudget`;
}
