import type { RunningSandbox } from 'partner-center-sandbox';
import type { AuthConfig } from '../auth/auth.config';
import { ConfigError } from '../config/env';
import type { SandboxConnectionSettings } from '../partner-center/partner-center.config';
import type { PartnerCenterOptions } from '../partner-center/partner-center.options';

/**
 * Sandbox mode (PARTNER_CENTER=sandbox): the gateway starts the Partner Center sandbox in-process and talks to it
 * exactly as to Partner Center — real HTTPS (trusting the sandbox's CA), real MSAL token requests. The sandbox is a
 * separate package, a dev dependency loaded only here, so the production image does not carry it.
 */
export async function startEmbeddedSandbox(
  settings: SandboxConnectionSettings,
  options: { port: number; stateDir?: string },
): Promise<{ sandbox: RunningSandbox; partnerCenter: PartnerCenterOptions }> {
  const { startSandbox } = await loadSandboxPackage();
  const sandbox = await startSandbox({ quiet: true, stateDir: options.stateDir, port: options.port }).catch(
    (error: unknown) => {
      throw sandboxSettingError(error, options) ?? error;
    },
  );
  return { sandbox, partnerCenter: sandboxConnection(sandbox, settings) };
}

/** Why the sandbox cannot listen on its port: the operator's SANDBOX_PORT, not the gateway's HOST:PORT. */
const LISTEN_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);
/** Why the sandbox cannot write its CA certificate into SANDBOX_STATE_DIR. */
const FOLDER_ERRORS = new Set(['ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'EEXIST', 'ENOENT', 'ENOSPC']);

/** The sandbox's start failed because of one of its two variables: said as a configuration error naming it. */
function sandboxSettingError(
  error: unknown,
  options: { port: number; stateDir?: string },
): ConfigError | undefined {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  if (code === undefined) return undefined;
  if (syscall === 'listen' && LISTEN_ERRORS.has(code))
    return new ConfigError('SANDBOX_PORT', `cannot listen on 127.0.0.1:${options.port} (${code})`);
  if (options.stateDir !== undefined && syscall !== 'listen' && FOLDER_ERRORS.has(code))
    return new ConfigError('SANDBOX_STATE_DIR', `cannot use ${options.stateDir} (${code})`);
  return undefined;
}

async function loadSandboxPackage(): Promise<typeof import('partner-center-sandbox')> {
  try {
    return await import('partner-center-sandbox');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      'PARTNER_CENTER=sandbox needs the partner-center-sandbox package, which production installs leave out ' +
        '(it is a dev dependency): run from a development install (npm ci), or configure AZURE_CLIENT_ID',
    );
  }
}

export function sandboxConnection(
  sandbox: RunningSandbox,
  settings: SandboxConnectionSettings,
): PartnerCenterOptions {
  return {
    ...settings,
    baseUrl: sandbox.url,
    authorityHost: sandbox.url,
    tenantId: sandbox.tenantId,
    clientId: sandbox.defaultClient.clientId,
    credential: { kind: 'secret', clientSecret: sandbox.defaultClient.clientSecret },
    extraCaCertificates: [sandbox.caCertPem],
  };
}

/**
 * In sandbox mode, a bearer token that is sent is validated against the embedded sandbox, the issuer of caller
 * tokens (`npm run -s token`); explicit AUTH_* settings are left alone.
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
    'PARTNER_CENTER=sandbox: the gateway runs on the embedded Partner Center sandbox (emulated, in memory).',
    `Gateway:  ${gatewayUrl}   GraphQL: ${gatewayUrl}/graphql   OpenAPI: ${gatewayUrl}/docs`,
    `Sandbox:  ${sandbox.url}   CA certificate: ${sandbox.caCertPath}`,
    'Seeded customers:',
    ...sandbox.customers.map(
      (c) => `  ${c.id}  ${c.name.padEnd(28)} amount: ${c.amount === null ? 'null (no budget)' : c.amount}`,
    ),
    'Calls without a token run as the sandbox identity (full rights). To try real tokens:',
    `  TOKEN=$(SANDBOX_URL=${sandbox.url} SANDBOX_CA_CERT=${sandbox.caCertPath} npm run -s token -- --role UsageBudget.Read)`,
    'Try:',
    `  curl -s ${gatewayUrl}/v1/customers/${customerId}/usagebudget`,
    `  curl -s -X PATCH ${gatewayUrl}/v1/customers/${customerId}/usagebudget -H 'Content-Type: application/json' -d '{"amount": 250}'`,
    `  curl -s ${gatewayUrl}/graphql -H 'Content-Type: application/json' \\`,
    `    -d '{"query":"{ customerUsageBudget(customerId: \\"${customerId}\\") { customerId amount usageSpendingBudget } }"}'`,
    '',
  ].join('\n');
}
