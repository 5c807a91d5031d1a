import axios from 'axios';
import { RunningSandbox, startSandbox } from 'partner-center-sandbox';
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { jsonLines, startGatewayProcess } from './support/gateway-process';

const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
// Three customers: identical concurrent reads would be coalesced into one upstream call.
const SLOW = [
  { id: CONTOSO, amount: 100 },
  { id: 'c0000003-0000-4000-8000-000000000003', amount: 250.5 },
  { id: 'c0000006-0000-4000-8000-000000000006', amount: 1234.56 },
];

/**
 * SIGTERM as Kubernetes sends it, to the built `node dist/main.js`: readiness fails first, new requests get 503
 * during the drain delay, the requests already running finish with their answers, and the process exits 0.
 */
describe('graceful shutdown of node dist/main.js', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('fails readiness, refuses new requests, completes in-flight ones and exits 0', async () => {
    const gateway = await startGatewayProcess(sandbox, {
      SHUTDOWN_DRAIN_DELAY_MS: '1500',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    const http = axios.create({ baseURL: gateway.url, validateStatus: () => true, timeout: 15_000 });
    try {
      expect((await http.get('/readyz')).status).toBe(200);
      sandbox.faults.add({ target: 'partner-center', kind: 'latency', latencyMs: 2500, count: 3 });
      const inFlight = SLOW.map(({ id }) => http.get(`/v1/customers/${id}/usagebudget`));
      await waitUntil(() => sandbox.requestLog.entries({ target: 'partner-center' }).length >= 3);

      gateway.child.kill('SIGTERM');
      await waitUntil(() => gateway.stderr().includes('SIGTERM received'));

      const readiness = await http.get('/readyz');
      expect(readiness.status).toBe(503);
      expect(readiness.data).toMatchObject({ status: 'error', error: { shutdown: { status: 'down' } } });
      const refused = await http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(refused.status).toBe(503);
      expect(refused.data).toMatchObject({ code: 'SHUTTING_DOWN' });
      expect((await http.get('/healthz')).status).toBe(200);

      const answers = await Promise.all(inFlight);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(answers.map((a) => a.data.amount)).toEqual(SLOW.map((c) => c.amount));
      expect(await gateway.exited).toBe(0);
    } finally {
      await gateway.stop();
    }
  });

  it('keeps draining through a second SIGTERM: the request in flight is answered and the process exits 0', async () => {
    const gateway = await startGatewayProcess(sandbox, {
      SHUTDOWN_DRAIN_DELAY_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    const http = axios.create({ baseURL: gateway.url, validateStatus: () => true, timeout: 15_000 });
    try {
      sandbox.faults.add({ target: 'partner-center', kind: 'latency', latencyMs: 2500, count: 1 });
      const before = sandbox.requestLog.entries({ target: 'partner-center' }).length;
      const inFlight = http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      await waitUntil(() => sandbox.requestLog.entries({ target: 'partner-center' }).length > before);

      gateway.child.kill('SIGTERM');
      await waitUntil(() => gateway.stderr().includes('SIGTERM received'));
      // A process manager (or an impatient operator) repeats the signal: it must not cut the drain short.
      gateway.child.kill('SIGTERM');
      await waitUntil(() => gateway.stderr().includes('already shutting down'));
      expect((await http.get('/readyz')).status).toBe(503);

      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.data.amount).toBe(100);
      expect(await gateway.exited).toBe(0);
    } finally {
      sandbox.faults.clear();
      await gateway.stop();
    }
  });

  it('gives a PATCH in flight when SIGTERM arrives its real answer (OUTCOME_UNKNOWN), its audit event and completion line', async () => {
    // The attempt timeout (not anything in the shutdown) ends the call: well past the drain, well inside the timeout.
    const gateway = await startGatewayProcess(sandbox, {
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '25000',
      HTTP_REQUEST_TIMEOUT_MS: '1000',
      PARTNER_CENTER_MAX_ATTEMPTS: '1',
      PARTNER_CENTER_ATTEMPT_TIMEOUT_MS: '14000',
      PARTNER_CENTER_DEADLINE_MS: '20000',
    });
    const http = axios.create({ baseURL: gateway.url, validateStatus: () => true, timeout: 30_000 });
    try {
      // Partner Center never answers the PATCH; the confirming read fails too, so the outcome stays unknown.
      sandbox.faults.add({ kind: 'hang', method: 'PATCH', customerId: CONTOSO, count: 1 });
      sandbox.faults.add({ kind: 'status', status: 503, method: 'GET', customerId: CONTOSO, count: 4 });
      const patches = () =>
        sandbox.requestLog.entries({ target: 'partner-center' }).filter((e) => e.method === 'PATCH').length;
      const before = patches();
      const correlationId = randomUUID();
      const inFlight = http.patch(
        `/v1/customers/${CONTOSO}/usagebudget`,
        { amount: 321 },
        { headers: { 'MS-CorrelationId': correlationId } },
      );
      await waitUntil(() => patches() > before);

      gateway.child.kill('SIGTERM');
      const answer = await inFlight;
      expect(answer.status).toBe(504);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', correlationId });
      expect(answer.data.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
      // The last answer on its connection: the client does not reuse a connection the gateway is about to close.
      expect(answer.headers.connection).toBe('close');
      expect(await gateway.exited).toBe(0);
      const lines = jsonLines(gateway.stdout()).filter(
        (l) => (l.correlationId ?? l.audit?.correlationId) === correlationId,
      );
      expect(lines).toContainEqual(
        expect.objectContaining({
          event: 'usage-budget.changed',
          audit: expect.objectContaining({ outcome: 'unknown' }),
        }),
      );
      expect(lines).toContainEqual(
        expect.objectContaining({ msg: 'request completed', outcome: 'OUTCOME_UNKNOWN', status: 504 }),
      );
    } finally {
      sandbox.faults.clear();
      await gateway.stop();
    }
  });

  it('exits 1 when a request is still running at SHUTDOWN_TIMEOUT_MS', async () => {
    const gateway = await startGatewayProcess(sandbox, {
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      // Above the 10 s after which Apollo's drain plugin used to cut every connection (and the process exited 0).
      SHUTDOWN_TIMEOUT_MS: '11000',
      PARTNER_CENTER_MAX_ATTEMPTS: '1',
      PARTNER_CENTER_ATTEMPT_TIMEOUT_MS: '60000',
      PARTNER_CENTER_DEADLINE_MS: '60000',
    });
    const http = axios.create({ baseURL: gateway.url, validateStatus: () => true, timeout: 30_000 });
    try {
      sandbox.faults.add({ kind: 'hang', method: 'PATCH', customerId: CONTOSO, count: 1 });
      const patches = () =>
        sandbox.requestLog.entries({ target: 'partner-center' }).filter((e) => e.method === 'PATCH').length;
      const before = patches();
      const inFlight = http
        .patch(`/v1/customers/${CONTOSO}/usagebudget`, { amount: 322 })
        .catch((e: Error) => e);
      await waitUntil(() => patches() > before);

      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(1);
      expect(gateway.stderr()).toContain('still running after 11000 ms');
      await inFlight;
    } finally {
      sandbox.faults.clear();
      await gateway.stop();
    }
  });

  it('answers requests read on an open connection after the server stopped accepting with 503 SHUTTING_DOWN (REST and GraphQL)', async () => {
    const gateway = await startGatewayProcess(sandbox, {
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '25000',
      PARTNER_CENTER_MAX_ATTEMPTS: '1',
      PARTNER_CENTER_ATTEMPT_TIMEOUT_MS: '3000',
    });
    const { port } = new URL(gateway.url);
    // Two keep-alive connections, each with a PATCH in flight (Partner Center hangs): they stay open after SIGTERM.
    const rest = await RawConnection.open(Number(port));
    const graphql = await RawConnection.open(Number(port));
    try {
      sandbox.faults.add({ kind: 'hang', method: 'PATCH', customerId: CONTOSO, count: 2 });
      sandbox.faults.add({ kind: 'status', status: 503, method: 'GET', customerId: CONTOSO, count: 8 });
      const patches = () =>
        sandbox.requestLog.entries({ target: 'partner-center' }).filter((e) => e.method === 'PATCH').length;
      const before = patches();
      const body = JSON.stringify({ amount: 323 });
      const patch = `PATCH /v1/customers/${CONTOSO}/usagebudget HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      rest.write(patch);
      graphql.write(patch);
      await waitUntil(() => patches() >= before + 2);

      gateway.child.kill('SIGTERM');
      // The server has stopped accepting once a new connection is refused.
      await waitUntil(() =>
        RawConnection.open(Number(port)).then(
          (c) => (c.destroy(), false),
          () => true,
        ),
      );

      const restId = randomUUID();
      const graphqlId = randomUUID();
      rest.write(
        `GET /v1/customers/${CONTOSO}/usagebudget HTTP/1.1\r\nHost: gw\r\nMS-CorrelationId: ${restId}\r\n\r\n`,
      );
      const query = JSON.stringify({ query: `{ customerUsageBudget(customerId: "${CONTOSO}") { amount } }` });
      graphql.write(
        `POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nMS-CorrelationId: ${graphqlId}\r\nContent-Length: ${query.length}\r\n\r\n${query}`,
      );

      const [restAnswers, graphqlAnswers] = await Promise.all([rest.untilClosed(), graphql.untilClosed()]);
      expect(restAnswers.map((a) => a.status)).toEqual([504, 503]);
      expect(graphqlAnswers.map((a) => a.status)).toEqual([504, 503]);
      const refused = restAnswers[1];
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.headers['ms-correlationid']).toBe(restId);
      expect(refused.headers.connection).toBe('close');
      expect(JSON.parse(refused.body)).toMatchObject({
        status: 503,
        code: 'SHUTTING_DOWN',
        correlationId: restId,
      });
      const graphqlRefused = graphqlAnswers[1];
      expect(graphqlRefused.headers['content-type']).toContain('application/json');
      expect(graphqlRefused.headers['ms-correlationid']).toBe(graphqlId);
      expect(graphqlRefused.headers.connection).toBe('close');
      expect(JSON.parse(graphqlRefused.body)).toEqual({
        errors: [
          {
            message: expect.any(String),
            extensions: { code: 'SHUTTING_DOWN', correlationId: graphqlId, retryAfterSeconds: 1 },
          },
        ],
      });
      expect(await gateway.exited).toBe(0);
    } finally {
      rest.destroy();
      graphql.destroy();
      sandbox.faults.clear();
      await gateway.stop();
    }
  });
});

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP/1.1 connection driven by hand, so requests can be sent on it at chosen moments (keep-alive, pipelined). */
class RawConnection {
  private received = '';
  private readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (this.received += chunk));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string): void {
    this.socket.write(data);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Every answer received, once the gateway has closed the connection (bounded by the caller's test timeout). */
  async untilClosed(): Promise<RawAnswer[]> {
    await this.closed;
    return parseAnswers(this.received);
  }
}

/** Answers with Content-Length bodies, one after the other (what the gateway sends). */
function parseAnswers(text: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine, ...lines] = rest.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    answers.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: rest.slice(bodyStart, bodyStart + length),
    });
    rest = rest.slice(bodyStart + length);
  }
  return answers;
}
