import { startGateway, TestGateway } from '../support/gateway';
import { duplicateKeys } from './support/duplicate-keys';

const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const WOODGROVE = 'c0000005-0000-4000-8000-000000000005'; // always 403 (no commerce relationship)
const CORRELATION = '6b3a8c4e-8f0e-4e4a-9a59-2f1f0e9d1c11';

/** Value of one sample of the Prometheus text exposition, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const labelText = line.slice(name.length, line.lastIndexOf(' '));
    if (wanted.every((pair) => labelText.includes(pair))) return Number(line.split(' ').pop());
  }
  return 0;
}

describe('logs and metrics', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('writes one completion line per request with operation, caller, outcome, status, duration and upstream time', async () => {
    await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { 'MS-CorrelationId': CORRELATION },
    });
    const lines = gateway.logs().filter((l) => l.correlationId === CORRELATION);
    const completions = lines.filter((l) => l.msg === 'request completed');
    expect(completions).toHaveLength(1);
    expect(completions[0]).toMatchObject({
      req: { id: CORRELATION, method: 'GET' },
      operation: 'GET /v1/customers/:customerId/usagebudget',
      caller: { subject: 'sandbox', anonymous: true },
      outcome: 'OK',
      status: 200,
      upstream: { attempts: 1 },
    });
    expect(completions[0].durationMs).toBeGreaterThan(0);
    expect(completions[0].upstream.durationMs).toBeGreaterThan(0);

    const attempt = lines.find((l) => l.msg === 'Partner Center attempt');
    expect(attempt).toMatchObject({
      level: 20,
      method: 'GET',
      path: `/v1/customers/${CONTOSO}/usagebudget`,
      status: '200',
      attempt: 1,
    });
    expect(attempt!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(attempt).not.toHaveProperty('headers');
  });

  it('logs the query string of a URL by parameter names only, never a value (a token or signature sent there)', async () => {
    const correlationId = CORRELATION.replace('6b3a', '5a29');
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJxdWVyeSJ9.c2lnbmF0dXJlLXF1ZXJ5';
    const signature = 'sig-value-that-must-not-be-logged';
    // An unknown path: answered (404) and logged like any request, without spending the rate limit of this suite.
    await gateway.http.get(`/v1/elsewhere?access_token=${token}&sig=${signature}&flag`, {
      headers: { 'MS-CorrelationId': correlationId },
    });
    const completion = gateway
      .logs()
      .find((l) => l.correlationId === correlationId && l.msg === 'request completed');
    expect(completion?.req.url).toBe('/v1/elsewhere?access_token=[REDACTED]&sig=[REDACTED]&flag');
    const raw = gateway.rawLogs().join('\n');
    expect(raw).not.toContain(signature);
    expect(raw).not.toContain(token);
  });

  it('logs a GraphQL FORBIDDEN with its code, not as an unexplained 200', async () => {
    const answer = await gateway.graphql(
      `query Budget { customerUsageBudget(customerId: "${WOODGROVE}") { amount } }`,
      undefined,
      { 'MS-CorrelationId': CORRELATION.replace('6b3a', '7c4b') },
    );
    expect(answer.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const completion = gateway
      .logs()
      .find((l) => l.correlationId === CORRELATION.replace('6b3a', '7c4b') && l.msg === 'request completed');
    expect(completion).toMatchObject({
      operation: 'query customerUsageBudget',
      graphqlOperationName: 'Budget',
      outcome: 'FORBIDDEN',
      status: answer.status,
    });
  });

  it('writes every line as one JSON object without duplicate keys, the request’s lines with its one correlation id', () => {
    const raw = gateway.rawLogs();
    expect(raw.length).toBeGreaterThan(5);
    for (const line of raw)
      expect({ line, duplicates: duplicateKeys(line) }).toEqual({ line, duplicates: [] });
    const requestLines = gateway.logs().filter((l) => l.req);
    expect(requestLines.length).toBeGreaterThan(0);
    for (const line of requestLines) expect(line.correlationId).toBe(line.req.id);
  });

  it('exempts /healthz, /readyz and /metrics from the per-caller rate limit and from auth', async () => {
    for (let i = 0; i < 6; i += 1) {
      expect((await gateway.http.get('/healthz')).status).toBe(200);
      expect((await gateway.http.get('/readyz')).status).toBe(200);
      expect((await gateway.http.get('/metrics')).status).toBe(200);
    }
  });

  it('counts requests, upstream attempts, retries and tokens in /metrics', async () => {
    const before = (await gateway.http.get('/metrics')).data as string;
    gateway.sandbox.faults.add({ target: 'partner-center', kind: 'status', status: 503, count: 1 });
    expect((await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`)).status).toBe(200);
    // The request is measured when its response has finished, which can be just after the client read it.
    const rest = { operation: 'GET /v1/customers/:customerId/usagebudget', outcome: 'OK' };
    let response = await gateway.http.get('/metrics');
    for (
      let i = 0;
      i < 20 &&
      sample(response.data, 'gateway_request_duration_seconds_count', rest) ===
        sample(before, 'gateway_request_duration_seconds_count', rest);
      i += 1
    ) {
      await new Promise((r) => setTimeout(r, 25));
      response = await gateway.http.get('/metrics');
    }
    expect(response.headers['content-type']).toContain('text/plain');
    const after = response.data as string;

    const delta = (name: string, labels?: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('gateway_request_duration_seconds_count', rest)).toBe(1);
    const upstream = { operation: 'GET /v1/customers/{id}/usagebudget' };
    expect(
      delta('gateway_upstream_request_duration_seconds_count', { ...upstream, status: '503', attempt: '1' }),
    ).toBe(1);
    expect(
      delta('gateway_upstream_request_duration_seconds_count', { ...upstream, status: '200', attempt: '2' }),
    ).toBe(1);
    expect(delta('gateway_upstream_retries_total', { reason: '503' })).toBe(1);
    expect(delta('gateway_token_cache_hits_total')).toBe(2); // both attempts signed with the held token
    expect(sample(after, 'gateway_token_acquisitions_total')).toBe(1);
    expect(sample(after, 'gateway_token_acquisition_failures_total')).toBe(0);
    expect(
      sample(after, 'gateway_request_duration_seconds_count', {
        operation: 'query customerUsageBudget',
        outcome: 'FORBIDDEN',
      }),
    ).toBe(1);
    expect(after).toContain('process_cpu_seconds_total');
    // Probes and scrapes are not requests of callers.
    expect(after).not.toContain('operation="GET /metrics"');
  });
});
