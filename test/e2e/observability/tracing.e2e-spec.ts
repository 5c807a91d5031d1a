import axios from 'axios';
import { createServer, Server } from 'node:http';
import { AddressInfo, createServer as createNetServer, Socket } from 'node:net';
import { RunningSandbox, startSandbox } from 'partner-center-sandbox';
import { findSecret } from '../support/secret-forms';
import { startGatewayProcess } from './support/gateway-process';

const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const TRACE_ID = '4bf92f3577b34da6a3ce929b0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/** A local OTLP/HTTP receiver: collects the spans POSTed to /v1/traces (JSON encoding). */
async function startOtlpReceiver(): Promise<{ url: string; spans: ExportedSpan[]; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const payload = JSON.parse(body) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }>;
        };
        for (const resource of payload.resourceSpans)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('tracing with OpenTelemetry (node dist/main.js, OTLP/HTTP)', () => {
  let sandbox: RunningSandbox;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });

  it('continues the caller traceparent, exports the spans and sends the trace on to Partner Center', async () => {
    const gateway = await startGatewayProcess(sandbox, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'usage-budget-gateway-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      const answer = await axios.get(`${gateway.url}/v1/customers/${CONTOSO}/usagebudget`, {
        headers: { traceparent: TRACEPARENT },
      });
      expect(answer.status).toBe(200);
    } finally {
      expect(await gateway.stop()).toBe(0); // the shutdown flushes the batched spans
    }

    const traced = receiver.spans.filter((span) => span.traceId === TRACE_ID);
    const server = traced.find((span) => span.name === 'GET /v1/customers/:customerId/usagebudget');
    const attempt = traced.find((span) => span.name === 'GET /v1/customers/{id}/usagebudget');
    const token = traced.find((span) => span.name === 'Entra ID token');
    expect(server).toMatchObject({ parentSpanId: '00f067aa0ba902b7', kind: 2 }); // SERVER, child of the caller's
    expect(attempt).toMatchObject({ parentSpanId: server!.spanId, kind: 3 }); // CLIENT
    expect(token).toMatchObject({ parentSpanId: attempt!.spanId });

    const upstream = sandbox.requestLog.entries({ target: 'partner-center' });
    expect(upstream).toHaveLength(1);
    expect(upstream[0].headers.traceparent).toBe(`00-${TRACE_ID}-${attempt!.spanId}-01`);
  });

  it("exports no caller token sent in a request's path or query", async () => {
    const traceId = TRACE_ID.replace('4bf9', '7d1e');
    const token = await sandbox.issueCallerToken({ roles: ['UsageBudget.Read'] });
    const gateway = await startGatewayProcess(sandbox, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      for (const path of [`/${token}`, `/v1/customers/${CONTOSO}/usagebudget?access_token=${token}`])
        await axios.get(`${gateway.url}${path}`, {
          headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
          validateStatus: () => true,
        });
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
    const exported = receiver.spans.filter((span) => span.traceId === traceId);
    expect(exported.length).toBeGreaterThanOrEqual(2);
    expect(findSecret(JSON.stringify(exported), { "caller's token": token })).toBeUndefined();
  });

  it('sends the trace on to Partner Center when the caller’s trace is not sampled, marked unsampled, exporting nothing', async () => {
    sandbox.reset();
    const unsampled = `00-${TRACE_ID.replace('4bf9', '5c0a')}-00f067aa0ba902b7-00`;
    const gateway = await startGatewayProcess(sandbox, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      await axios.get(`${gateway.url}/v1/customers/${CONTOSO}/usagebudget`, {
        headers: { traceparent: unsampled },
      });
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
    const upstream = sandbox.requestLog.entries({ target: 'partner-center' });
    expect(upstream).toHaveLength(1);
    // W3C Trace Context: a participant that does not record still propagates the trace, with its sampled flag.
    expect(upstream[0].headers.traceparent).toMatch(
      new RegExp(`^00-${TRACE_ID.replace('4bf9', '5c0a')}-[0-9a-f]{16}-00$`),
    );
    expect(receiver.spans.filter((span) => span.traceId === TRACE_ID.replace('4bf9', '5c0a'))).toEqual([]);
  });

  it('says in a warning log line when spans cannot be exported, without the exporter headers', async () => {
    // A collector that refuses every export (400: not retried by the exporter).
    const refusing = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(400, { 'content-type': 'text/plain' }).end('refused'));
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const { port } = refusing.address() as AddressInfo;
    const gateway = await startGatewayProcess(sandbox, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=otlp-header-secret-value',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      await axios.get(`${gateway.url}/v1/customers/${CONTOSO}/usagebudget`);
      const until = Date.now() + 10_000;
      const warned = () =>
        gateway
          .stdout()
          .split('\n')
          .some((line) => line.includes('"level":40') && line.includes('"context":"OpenTelemetry"'));
      while (!warned() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(warned()).toBe(true);
    } finally {
      await gateway.stop();
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
    expect(gateway.stdout() + gateway.stderr()).not.toContain('otlp-header-secret-value');
  });

  it('never logs the exporter credentials a collector quotes back in its refusal', async () => {
    const basic = Buffer.from('tenant-42:otlp-basic-password-0123456789').toString('base64');
    const apiKey = 'otlp-api-key-0123456789abcdefXYZ';
    // A collector (or the proxy before it) that refuses the credentials, quoting them in its reason phrase and body.
    const quoting = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const sent = `${req.headers.authorization} ${req.headers['x-api-key']}`;
        res.writeHead(401, `Unauthorized: ${sent}`, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 16, message: `bad credentials ${sent}` }));
      });
    });
    await new Promise<void>((resolve) => quoting.listen(0, '127.0.0.1', resolve));
    const { port } = quoting.address() as AddressInfo;
    const gateway = await startGatewayProcess(sandbox, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Basic ${basic},x-api-key=${apiKey}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    try {
      await axios.get(`${gateway.url}/v1/customers/${CONTOSO}/usagebudget`);
      const until = Date.now() + 10_000;
      const warned = () => gateway.stdout().includes('"context":"OpenTelemetry"');
      while (!warned() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(warned()).toBe(true);
    } finally {
      await gateway.stop();
      await new Promise<void>((resolve) => quoting.close(() => resolve()));
    }
    expect(
      findSecret(gateway.stdout() + gateway.stderr(), { 'Basic credential': basic, 'API key': apiKey }),
    ).toBeUndefined();
  });

  it("logs the SDK's own complaint about an OTEL_* value it cannot use, made while tracing starts", async () => {
    const gateway = await startGatewayProcess(sandbox, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: 'soon',
    });
    try {
      const warnings = gateway
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"context":"OpenTelemetry"'));
      expect(warnings.join('\n')).toContain('OTEL_BSP_SCHEDULE_DELAY');
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  it('exits 0 on SIGTERM when the collector never answers the last spans, saying so in a warning', async () => {
    // Accepts connections and never answers: the final flush times out (OTEL_EXPORTER_OTLP_TIMEOUT).
    const sockets = new Set<Socket>();
    const stalled = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const { port } = stalled.address() as AddressInfo;
    const gateway = await startGatewayProcess(sandbox, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    });
    try {
      await axios.get(`${gateway.url}/v1/customers/${CONTOSO}/usagebudget`);
      expect(await gateway.stop()).toBe(0);
      expect(gateway.stdout()).toMatch(/"level":40[^\n]*"context":"OpenTelemetry"/);
      expect(gateway.stderr()).not.toContain('shutdown failed');
    } finally {
      await gateway.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => stalled.close(() => resolve()));
    }
  });

  it('without an OTLP endpoint, hands the caller traceparent on unchanged', async () => {
    sandbox.reset();
    const gateway = await startGatewayProcess(sandbox);
    try {
      await axios.get(`${gateway.url}/v1/customers/${CONTOSO}/usagebudget`, {
        headers: { traceparent: TRACEPARENT },
      });
    } finally {
      await gateway.stop();
    }
    const upstream = sandbox.requestLog.entries({ target: 'partner-center' });
    expect(upstream[0].headers.traceparent).toBe(TRACEPARENT);
  });

  it('without an OTLP endpoint, hands on no traceparent that is not one (W3C Trace Context)', async () => {
    sandbox.reset();
    const gateway = await startGatewayProcess(sandbox);
    try {
      for (const junk of [
        'x'.repeat(4000),
        `00-${TRACE_ID}-00f067aa0ba902b7-01; injected=1`,
        `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
        `ff-${TRACE_ID}-00f067aa0ba902b7-01`,
      ])
        await axios.get(`${gateway.url}/v1/customers/${CONTOSO}/usagebudget`, {
          headers: { traceparent: junk, 'cache-control': 'no-cache' },
        });
    } finally {
      await gateway.stop();
    }
    const upstream = sandbox.requestLog.entries({ target: 'partner-center' });
    expect(upstream.map((entry) => entry.headers.traceparent)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
