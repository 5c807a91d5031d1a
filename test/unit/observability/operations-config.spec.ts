import { loadGatewayConfig } from '../../../src/gateway-config';

const sandbox = { PARTNER_CENTER: 'sandbox' };
const app = {
  AZURE_CLIENT_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  AZURE_TENANT_ID: 'contoso.onmicrosoft.com',
  AZURE_CLIENT_SECRET: 's3cr3t-value',
  AUTH_ISSUER: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
  AUTH_AUDIENCE: 'api://usage-budget-gateway',
};

describe('operations configuration', () => {
  it('defaults: JSON logs, /metrics on the main port, no drain delay outside production, 25 s to finish', () => {
    const config = loadGatewayConfig(sandbox);
    expect(config.observability).toEqual({
      logging: { level: 'info', format: 'json' },
      metricsPort: undefined,
    });
    expect(config.shutdown).toEqual({ drainDelayMs: 0, timeoutMs: 25_000 });
  });

  it('drains 5 s by default in production, so the load balancer sees readiness fail first', () => {
    expect(loadGatewayConfig({ ...app, NODE_ENV: 'production' }).shutdown.drainDelayMs).toBe(5_000);
  });

  it('reads LOG_FORMAT, METRICS_PORT and the shutdown variables', () => {
    const config = loadGatewayConfig({
      ...sandbox,
      LOG_FORMAT: 'pretty',
      METRICS_PORT: '9464',
      SHUTDOWN_DRAIN_DELAY_MS: '2000',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    expect(config.observability).toMatchObject({ logging: { format: 'pretty' }, metricsPort: 9464 });
    expect(config.shutdown).toEqual({ drainDelayMs: 2_000, timeoutMs: 10_000 });
  });

  it.each([
    [{ LOG_FORMAT: 'xml' }, /^LOG_FORMAT: must be one of json, pretty/],
    [{ METRICS_PORT: 'abc' }, /^METRICS_PORT: must be a whole number/],
    [{ SHUTDOWN_TIMEOUT_MS: '-1' }, /^SHUTDOWN_TIMEOUT_MS: must be between/],
    [{ SHUTDOWN_DRAIN_DELAY_MS: '5s' }, /^SHUTDOWN_DRAIN_DELAY_MS: must be a whole number/],
  ])('refuses %j with an error naming the variable', (env, message) => {
    expect(() => loadGatewayConfig({ ...sandbox, ...env })).toThrow(message);
  });
});
