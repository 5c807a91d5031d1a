import type { AuthConfig } from './auth/auth-config';
import { authModeFromEnv, retryFromEnv } from './config/gateway-config';
import { read } from './config/env';
import { PartnerCenterOptions } from './partner-center/partner-center.options';
import { RunningSandbox, startSandbox } from './sandbox';

type Env = Record<string, string | undefined>;

/**
 * Sandbox mode: with no app credentials configured, the gateway starts the Partner Center sandbox in-process and
 * talks to it exactly as to Partner Center — real HTTPS (trusting the sandbox's CA), real MSAL token requests.
 */
export async function startEmbeddedSandbox(env: Env): Promise<{ sandbox: RunningSandbox; partnerCenter: PartnerCenterOptions }> {
  const sandbox = await startSandbox({
    quiet: true,
    stateDir: read(env, 'SANDBOX_STATE_DIR'),
    port: read(env, 'SANDBOX_PORT') ? Number(read(env, 'SANDBOX_PORT')) : 0,
  });
  return { sandbox, partnerCenter: sandboxConnection(sandbox, env) };
}

export function sandboxConnection(sandbox: RunningSandbox, env: Env = {}): PartnerCenterOptions {
  return {
    authMode: authModeFromEnv(env),
    baseUrl: sandbox.url,
    authorityHost: sandbox.url,
    tenantId: sandbox.tenantId,
    clientId: sandbox.defaultClient.clientId,
    credential: { kind: 'secret', clientSecret: sandbox.defaultClient.clientSecret },
    applicationName: read(env, 'PARTNER_CENTER_APPLICATION_NAME') ?? 'usage-budget-gateway',
    locale: read(env, 'PARTNER_CENTER_LOCALE') ?? 'en-US',
    retry: retryFromEnv(env),
    extraCaCertificates: [sandbox.caCertPem],
  };
}

/**
 * In sandbox mode, a bearer token that is sent is validated against the embedded sandbox, the issuer of caller
 * tokens (`npm run token`); explicit AUTH_* settings are left alone.
 */
export function withSandboxIssuer(auth: AuthConfig, sandbox: RunningSandbox): AuthConfig {
  if (auth.mode !== 'sandbox') return auth;
  return {
    ...auth,
    tokens: {
      issuer: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
      audiences: [sandbox.callerAudience],
      clockToleranceSeconds: auth.clockToleranceSeconds,
      extraCaCertificates: [sandbox.caCertPem],
    },
  };
}

/** What a developer needs to try the gateway at once: where it runs, on what, and calls to paste. */
export function sandboxModeBanner(sandbox: RunningSandbox, gatewayUrl: string): string {
  const [first] = sandbox.customers.filter((c) => c.amount !== null);
  const customerId = first?.id ?? sandbox.customers[0]?.id ?? '<customer-id>';
  return [
    '',
    '=== Usage-budget gateway — SANDBOX MODE ===',
    'No AZURE_CLIENT_ID is set, so the gateway runs on the embedded Partner Center sandbox (emulated, in memory).',
    `Gateway:  ${gatewayUrl}   GraphQL: ${gatewayUrl}/graphql   OpenAPI: ${gatewayUrl}/docs`,
    `Sandbox:  ${sandbox.url}   CA certificate: ${sandbox.caCertPath}`,
    'Seeded customers:',
    ...sandbox.customers.map((c) => `  ${c.id}  ${c.name.padEnd(28)} amount: ${c.amount === null ? 'null (no budget)' : c.amount}`),
    'Calls without a token run as the sandbox identity (full rights). To try real tokens:',
    `  SANDBOX_URL=${sandbox.url} SANDBOX_CA_CERT=${sandbox.caCertPath} npm run token -- --role UsageBudget.Read`,
    'Try:',
    `  curl -s ${gatewayUrl}/v1/customers/${customerId}/usagebudget`,
    `  curl -s -X PATCH ${gatewayUrl}/v1/customers/${customerId}/usagebudget -H 'Content-Type: application/json' -d '{"amount": 250}'`,
    `  curl -s ${gatewayUrl}/graphql -H 'Content-Type: application/json' \\`,
    `    -d '{"query":"{ customerUsageBudget(customerId: \\"${customerId}\\") { customerId amount usageSpendingBudget } }"}'`,
    '',
  ].join('\n');
}
