import type { RunningSandbox } from 'partner-center-sandbox';

/**
 * The environment that points a gateway process at a sandbox as if it were the real Partner Center and Entra ID:
 * the sandbox's default app credentials, its URLs, and its CA through NODE_EXTRA_CA_CERTS (not sandbox mode).
 */
export function sandboxAsPartnerCenter(sandbox: RunningSandbox): Record<string, string> {
  return {
    AZURE_CLIENT_ID: sandbox.defaultClient.clientId,
    AZURE_CLIENT_SECRET: sandbox.defaultClient.clientSecret,
    AZURE_TENANT_ID: sandbox.tenantId,
    PARTNER_CENTER_BASE_URL: sandbox.url,
    AZURE_AUTHORITY_HOST: sandbox.url,
    NODE_EXTRA_CA_CERTS: sandbox.caCertPath,
  };
}
