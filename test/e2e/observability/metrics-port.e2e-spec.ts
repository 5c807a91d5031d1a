import axios from 'axios';
import { createServer } from 'node:net';
import { RunningSandbox, startSandbox } from 'partner-center-sandbox';
import { startGatewayProcess } from './support/gateway-process';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('METRICS_PORT (node dist/main.js)', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('says where /metrics is served, the port the OS chose included (METRICS_PORT=0)', async () => {
    const gateway = await startGatewayProcess(sandbox, { METRICS_PORT: '0' });
    try {
      const match = /"msg":"Metrics on (http:\/\/127\.0\.0\.1:(\d+)\/metrics)"/.exec(gateway.stdout());
      expect(match).not.toBeNull();
      expect(Number(match![2])).toBeGreaterThan(0);
      const scrape = await axios.get(match![1], { validateStatus: () => true });
      expect(scrape.status).toBe(200);
      expect(scrape.data).toContain('gateway_request_duration_seconds');
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  it('serves /metrics on its own port only', async () => {
    const metricsPort = await freePort();
    const gateway = await startGatewayProcess(sandbox, { METRICS_PORT: String(metricsPort) });
    try {
      const http = axios.create({ validateStatus: () => true });
      const separate = await http.get(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(separate.status).toBe(200);
      expect(separate.data).toContain('gateway_request_duration_seconds');
      expect((await http.get(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);
      expect((await http.get(`${gateway.url}/metrics`)).status).toBe(404);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });
});
