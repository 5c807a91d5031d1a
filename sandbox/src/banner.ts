import { APP_ONLY_SCOPE } from './defaults';
import { isExtraCustomerId } from './partner-center/seed';
import type { RunningSandbox } from './types';

/** The start-up banner: everything needed to point a client (or curl) at the sandbox. Reusable by the gateway. */
export function formatSandboxBanner(s: RunningSandbox): string {
  // Only a secret the sandbox made up itself is printed; a secret given from outside stays out of logs.
  const secret = s.defaultClientSecretGenerated
    ? s.defaultClient.clientSecret
    : '(as configured, not printed)';
  const customer = s.customers[0];
  // Extra customers (load tests) are summed up in one line rather than listed.
  const named = s.customers.filter((c) => !isExtraCustomerId(c.id));
  const extras = s.customers.filter((c) => isExtraCustomerId(c.id));
  const tokenCommand =
    `TOKEN=$(curl -s --cacert '${s.caCertPath}' ${s.url}/${s.tenantId}/oauth2/v2.0/token ` +
    `-d grant_type=client_credentials -d client_id=${s.defaultClient.clientId} ` +
    `--data-urlencode 'client_secret=${s.defaultClientSecretGenerated ? s.defaultClient.clientSecret : '<secret>'}' ` +
    `--data-urlencode 'scope=${APP_ONLY_SCOPE}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`;
  return [
    'Partner Center sandbox',
    `  URL (Partner Center base URL and authority host): ${s.url}`,
    `  Authority:      ${s.authority}`,
    `  CA certificate: ${s.caCertPath}`,
    `  Tenant id:      ${s.tenantId}`,
    `  Client id:      ${s.defaultClient.clientId}`,
    `  Client secret:  ${secret}`,
    '  Customers:',
    ...named.map((c) => `    ${c.id}  ${c.name}${c.behavior === 'budget' ? `  amount=${c.amount}` : ''}`),
    ...(extras.length
      ? [`    and ${extras.length} extra customers, ${extras[0].id} … ${extras[extras.length - 1].id}`]
      : []),
    '  Try it:',
    `    ${tokenCommand}`,
    `    curl --cacert '${s.caCertPath}' -H "Authorization: Bearer $TOKEN" ${s.url}/v1/customers/${customer.id}/usagebudget`,
    `  Admin: ${s.url}/_sandbox/{faults,requests,stats,customers,reset,revoke-tokens,clients,caller-tokens,throttle,in-flight-peak}`,
  ].join('\n');
}
