import { loadGatewayConfig } from '../../../src/gateway-config';
import { startTracing } from '../../../src/observability/tracing';
import { configurationTableVariables } from '../../support/readme';

/** An environment that remembers every name the gateway asked it for, set or not. */
function recording(values: Record<string, string>, asked: Set<string>): Record<string, string | undefined> {
  return new Proxy(values, {
    get(target, name) {
      if (typeof name !== 'string') return undefined;
      asked.add(name);
      return target[name];
    },
  }) as Record<string, string | undefined>;
}

const app = {
  AZURE_CLIENT_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  AZURE_TENANT_ID: 'contoso.onmicrosoft.com',
  AZURE_CLIENT_SECRET: 'not-a-real-secret',
  AUTH_ISSUER: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
  AUTH_AUDIENCE: 'api://usage-budget-gateway',
};

describe("the README's configuration table", () => {
  it('documents every variable the gateway reads, in sandbox mode and against Partner Center', () => {
    const asked = new Set<string>();
    const environments: Array<Record<string, string>> = [
      { PARTNER_CENTER: 'sandbox' },
      { ...app, NODE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:6379' },
    ];
    for (const env of environments) {
      loadGatewayConfig(recording(env, asked));
      startTracing(recording(env, asked));
    }
    const documented = new Set(configurationTableVariables());
    expect([...asked].filter((name) => !documented.has(name)).sort()).toEqual([]);
  });
});
