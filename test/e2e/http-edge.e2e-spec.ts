import { connect } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, GET_BUDGET, GUID } from './support/ids';

interface RawAnswer {
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** The gateway closed the connection (rather than this helper, after waiting). */
  closedByGateway: boolean;
}

/**
 * Sends bytes as they are on a new connection to the gateway, then reads until the gateway closes the connection, or
 * `waitMs` passes and the helper closes it. For what axios cannot send: broken framing, unfinished requests.
 */
function exchange(url: string, request: string, waitMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const address = new URL(url);
    const chunks: Buffer[] = [];
    const socket = connect(Number(address.port), address.hostname, () => socket.write(request));
    const done = (closedByGateway: boolean) => {
      clearTimeout(timer);
      resolve({ ...parseAnswer(Buffer.concat(chunks).toString('utf8')), closedByGateway });
    };
    const timer = setTimeout(() => {
      socket.removeAllListeners('close');
      socket.destroy();
      done(false);
    }, waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => done(true));
    // A reset after the answer was written is a close like another; before any answer it is the test's failure.
    socket.on('error', (error) => (chunks.length === 0 ? reject(error) : undefined));
  });
}

function parseAnswer(text: string): Omit<RawAnswer, 'closedByGateway'> {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { headers: {}, body: text };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}

/** A refusal as every other one: problem+json, the status and code, and the correlation id in body and header. */
function expectProblemAnswer(answer: RawAnswer, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(answer.headers['connection']).toMatch(/close/i);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  const problem = JSON.parse(answer.body);
  expect(problem).toMatchObject({ status, code, correlationId: expect.stringMatching(GUID) });
  expect(answer.headers['ms-correlationid']).toBe(problem.correlationId);
  expect(answer.closedByGateway).toBe(true);
  return problem;
}

const path = `/v1/customers/${CONTOSO}/usagebudget`;

/** The HTTP edge before and around the routes: timeouts, what Node's parser refuses, media types, methods. */
describe('the HTTP edge', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ env: { HTTP_REQUEST_TIMEOUT_MS: '500' } });
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());
  afterEach(() => {
    expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toEqual([]);
    // Every case here is the client's mistake: none is logged as an error.
    expect(gateway.logs().filter((line) => line.level >= 50)).toEqual([]);
  });

  const send = (request: string) => exchange(gateway.url, request);

  describe('slow clients are cut off after HTTP_REQUEST_TIMEOUT_MS', () => {
    it('answers a body that never finishes with 408 problem+json and closes the connection', async () => {
      const answer = await send(
        `PATCH ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"amount":`,
      );
      const problem = expectProblemAnswer(answer, 408, 'REQUEST_TIMEOUT');
      expect(problem.detail).toMatch(/within 500 ms/);
    });

    it('answers headers that never finish with 408 and closes the connection', async () => {
      const answer = await send(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: `);
      expectProblemAnswer(answer, 408, 'REQUEST_TIMEOUT');
    });

    it('closes a connection that never sends a request', async () => {
      const answer = await send('');
      expect(answer.closedByGateway).toBe(true);
    });
  });

  describe("what Node's HTTP parser refuses is problem+json with a correlation id", () => {
    it.each<[string, number, string, string]>([
      [
        'headers larger than 16 KB',
        431,
        'REQUEST_HEADER_FIELDS_TOO_LARGE',
        `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      ],
      ['an unknown method', 400, 'BAD_USER_INPUT', `FOO ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`],
      [
        'Content-Length with Transfer-Encoding',
        400,
        'BAD_USER_INPUT',
        `PATCH ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
      ],
      [
        'a chunk size that is not hexadecimal',
        400,
        'BAD_USER_INPUT',
        `PATCH ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      ],
      ['a bare LF', 400, 'BAD_USER_INPUT', `GET ${path} HTTP/1.1\nhost: 127.0.0.1\n\n`],
    ])('%s → %i %s', async (_case, status, code, request) => {
      const problem = expectProblemAnswer(await send(request), status, code);
      expect(problem.detail).toEqual(expect.any(String));
    });

    it('answers an HTTP/1.1 request without Host with 400 problem+json', async () => {
      const answer = await send(`GET ${path} HTTP/1.1\r\nconnection: close\r\n\r\n`);
      const problem = expectProblemAnswer(answer, 400, 'BAD_USER_INPUT');
      expect(problem.detail).toMatch(/Host/);
    });

    it('answers an Expect it cannot meet with 417 problem+json, keeping the caller correlation id', async () => {
      const correlationId = crypto.randomUUID();
      const answer = await send(
        `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nexpect: bogus\r\nms-correlationid: ${correlationId}\r\n\r\n`,
      );
      const problem = expectProblemAnswer(answer, 417, 'EXPECTATION_FAILED');
      expect(problem.correlationId).toBe(correlationId);
    });
  });

  describe('refusals made before routing are counted for operators', () => {
    /** gateway_edge_refusals_total{status,reason} as numbers, keyed `status reason`. */
    const refusals = async () => {
      const text = (await gateway.http.get('/metrics')).data as string;
      const counts = new Map<string, number>();
      for (const [, status, reason, value] of text.matchAll(
        /^gateway_edge_refusals_total\{status="(\d+)",reason="([^"]+)"\} (\d+)$/gm,
      ))
        counts.set(`${status} ${reason}`, Number(value));
      return counts;
    };

    it('in gateway_edge_refusals_total, by status and a fixed reason code', async () => {
      const before = await refusals();
      await send(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
      await send(`FOO ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
      await send(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: `);
      await send(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nexpect: bogus\r\n\r\n`);
      await send(`CONNECT 127.0.0.1:443 HTTP/1.1\r\nhost: 127.0.0.1:443\r\n\r\n`);
      await send(
        `GET /v1/customers/%zz/usagebudget HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`,
      );
      const after = await refusals();
      const added = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
      expect(added('431 HPE_HEADER_OVERFLOW')).toBe(1);
      expect(added('400 HPE_INVALID_METHOD')).toBe(1);
      expect(added('408 ERR_HTTP_REQUEST_TIMEOUT')).toBe(1);
      expect(added('417 expectation-failed')).toBe(1);
      expect(added('405 connect')).toBe(1);
      expect(added('400 FST_ERR_BAD_URL')).toBe(1);
    });
  });

  describe('a body the gateway would misread is 415, before anything reaches Partner Center', () => {
    const expectMediaTypeProblem = (response: { status: number; headers: any; data: any }) => {
      expect(response.status).toBe(415);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.data).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    };
    const expectGraphqlMediaTypeError = (response: { status: number; data: any }) => {
      expect(response.status).toBe(415);
      expect(response.data.errors[0].extensions).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    };
    const json = JSON.stringify({ amount: 5 });
    const graphqlBody = JSON.stringify({ query: GET_BUDGET, variables: { id: CONTOSO } });

    it('refuses text/plain on REST with 415, as the README says of any body that is not JSON', async () => {
      const response = await gateway.http.patch(path, json, { headers: { 'content-type': 'text/plain' } });
      expectMediaTypeProblem(response);
    });

    it('keeps text/plain on /graphql for Apollo, whose CSRF prevention refuses it (400)', async () => {
      const response = await gateway.http.post('/graphql', graphqlBody, {
        headers: { 'content-type': 'text/plain' },
      });
      expect(response.status).toBe(400);
      expect(response.data.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    });

    it.each<[string, string, Buffer | string]>([
      ['a gzipped body', 'gzip', gzipSync(json)],
      ['a plain body labelled gzip', 'gzip', json],
      ['a brotli body', 'br', brotliCompressSync(json)],
      ['a plain body labelled deflate', 'deflate', json],
      ['a plain body labelled with an unknown coding', 'x-whatever', json],
    ])('refuses %s on REST', async (_case, encoding, body) => {
      const response = await gateway.http.patch(path, body, {
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        transformRequest: [(data: unknown) => data],
      });
      expectMediaTypeProblem(response);
      expect(response.data.detail).toMatch(/compressed request bodies are not accepted/i);
    });

    it('refuses a gzipped body on /graphql, GraphQL-shaped', async () => {
      const response = await gateway.http.post('/graphql', gzipSync(graphqlBody), {
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        transformRequest: [(data: unknown) => data],
      });
      expectGraphqlMediaTypeError(response);
      expect(response.data.errors[0].message).toMatch(/compressed request bodies are not accepted/i);
    });

    it('refuses JSON in another charset than UTF-8, on REST and on /graphql', async () => {
      const contentType = 'application/json; charset=utf-16';
      const rest = await gateway.http.patch(path, json, { headers: { 'content-type': contentType } });
      expectMediaTypeProblem(rest);
      expect(rest.data.detail).toMatch(/UTF-8/);
      const graphql = await gateway.http.post('/graphql', graphqlBody, {
        headers: { 'content-type': contentType },
      });
      expectGraphqlMediaTypeError(graphql);
    });

    it('refuses a JSON body that is not valid UTF-8 with 400, saying so', async () => {
      const body = Buffer.concat([Buffer.from('{"amount":5,"'), Buffer.from([0xff]), Buffer.from('":1}')]);
      const graphql = await gateway.http.post('/graphql', body, {
        headers: { 'content-type': 'application/json' },
      });
      expect(graphql.status).toBe(400);
      expect(graphql.data.errors[0].message).toBe('The request body is not valid UTF-8.');
      const patched = await gateway.http.patch(path, body, {
        headers: { 'content-type': 'application/json' },
      });
      expect(patched.status).toBe(400);
      expect(patched.data.detail).toBe('The request body is not valid UTF-8.');
    });

    it('accepts JSON declared as UTF-8 and Content-Encoding: identity', async () => {
      const response = await gateway.http.patch(path, json, {
        headers: { 'content-type': 'application/json; charset="UTF-8"', 'content-encoding': 'identity' },
      });
      expect(response.status).toBe(200);
      gateway.sandbox.reset(); // a valid change: it did reach Partner Center
    });
  });

  describe('a known path asked with a method it does not have', () => {
    it.each(['PUT', 'DELETE', 'POST', 'OPTIONS'])('answers %s with 405 and Allow', async (method) => {
      const response = await gateway.http.request({ method, url: path, data: { amount: 5 } });
      expect(response.status).toBe(405);
      expect(response.headers['allow']).toBe('GET, HEAD, PATCH');
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.data).toMatchObject({
        status: 405,
        code: 'METHOD_NOT_ALLOWED',
        correlationId: response.headers['ms-correlationid'],
      });
    });

    it.each(['PUT', 'DELETE', 'OPTIONS', 'HEAD'])(
      'answers %s on the GraphQL endpoint with 405, Allow: GET, POST, GraphQL-shaped',
      async (method) => {
        // OPTIONS and HEAD are routes of Apollo's Fastify integration, not offered; CORS is off here, so even a preflight
        // gets 405 (cors.e2e-spec.ts covers CORS_ALLOWED_ORIGINS).
        const response = await gateway.http.request({
          method,
          url: '/graphql',
          headers: { 'apollo-require-preflight': 'true' },
        });
        expect(response.status).toBe(405);
        expect(response.headers['allow']).toBe('GET, POST');
        if (method === 'HEAD') return; // no body
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(response.data.errors[0].extensions).toMatchObject({
          code: 'METHOD_NOT_ALLOWED',
          correlationId: response.headers['ms-correlationid'],
        });
      },
    );

    it('keeps 404 ROUTE_NOT_FOUND for a path that does not exist', async () => {
      const response = await gateway.http.put('/v1/customers', { amount: 5 });
      expect(response.status).toBe(404);
      expect(response.headers['allow']).toBeUndefined();
      expect(response.data.code).toBe('ROUTE_NOT_FOUND');
    });
  });

  describe('a refusal quotes at most 64 characters of what the client sent', () => {
    it('of a 150-character customer id', async () => {
      const id = 'x'.repeat(150);
      const response = await gateway.http.get(`/v1/customers/${id}/usagebudget`);
      expect(response.status).toBe(400);
      expect(response.data.detail).toContain(`${'x'.repeat(50)}…`);
      expect(response.data.detail).not.toContain(id);
    });

    it('of an unknown 2,000-character path', async () => {
      const response = await gateway.http.get(`/${'y'.repeat(2_000)}`);
      expect(response.status).toBe(404);
      expect(response.data.detail).toBe(`Cannot GET /${'y'.repeat(63)}…`);
    });

    it('of an unknown 200-character field name', async () => {
      const field = 'z'.repeat(200);
      const response = await gateway.http.patch(path, { amount: 5, [field]: 1 });
      expect(response.status).toBe(400);
      expect(response.data.errors).toEqual([
        { field: `${'z'.repeat(64)}…`, message: `property ${'z'.repeat(64)}… should not exist` },
      ]);
    });
  });
});

describe('a batch as large as USAGE_BUDGET_BATCH_MAX_IDS allows', () => {
  const BATCH = 'query($ids: [ID!]!) { customerUsageBudgets(customerIds: $ids) { customerId amount } }';
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      sandboxOptions: { extraCustomers: 500 },
      env: { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' },
    });
  });
  afterAll(() => gateway.close());

  it('answers 500 customer ids sent as variables with the default body limit (no 413)', async () => {
    const ids = gateway.sandbox.customers.filter((c) => c.id.startsWith('d0000000')).map((c) => c.id);
    expect(ids).toHaveLength(500);
    const answer = await gateway.graphql(BATCH, { ids });
    expect(answer.status).toBe(200);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.customerUsageBudgets).toHaveLength(500);
  });
});

/** The status lines of every answer on one connection, in order. */
function statuses(answer: RawAnswer): number[] {
  const text = `HTTP/1.1 ${answer.status} x\r\n${answer.body}`;
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
}

describe('requests pipelined around a refusal, and what the caller can read', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const patchRequest = (amount: number) => {
    const body = JSON.stringify({ amount });
    return `PATCH ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
  };
  const patchesSent = () =>
    gateway.sandbox.requestLog
      .entries({ target: 'partner-center' })
      .filter((entry) => entry.method === 'PATCH');

  it('answers a PATCH read before a request the parser refuses, then the refusal: the change is never hidden', async () => {
    const answer = await exchange(
      gateway.url,
      `${patchRequest(8102)}FOO / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^\{[^\r\n]*"amount":8102/);
    expect(statuses(answer)).toEqual([200, 400]);
    expect(answer.closedByGateway).toBe(true);
    expect(gateway.sandbox.patchesApplied(CONTOSO)).toBe(1);
  });

  it.each<[string, string, number]>([
    ['an Expect it cannot meet', `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nexpect: bogus\r\n\r\n`, 417],
    ['no Host', `GET ${path} HTTP/1.1\r\n\r\n`, 400],
  ])(
    'never runs a PATCH pipelined behind %s: one answer, the connection closed',
    async (_case, first, status) => {
      const answer = await exchange(gateway.url, `${first}${patchRequest(8103)}`);
      expect(statuses(answer)).toEqual([status]);
      expect(answer.headers['connection']).toMatch(/close/i);
      expect(answer.closedByGateway).toBe(true);
      expect(patchesSent()).toEqual([]);
    },
  );

  it('answers CONNECT with 405 problem+json instead of a silent close', async () => {
    const answer = await exchange(
      gateway.url,
      'CONNECT 127.0.0.1:443 HTTP/1.1\r\nhost: 127.0.0.1:443\r\n\r\n',
    );
    expectProblemAnswer(answer, 405, 'METHOD_NOT_ALLOWED');
  });

  it('refuses a GraphQL mutation whose Accept admits no JSON with 406 before it runs', async () => {
    const mutation = `mutation { updateUsageBudget(input: { customerId: "${CONTOSO}", amount: 4242 }) { amount } }`;
    for (const accept of ['text/html', 'application/xml', 'application/json;q=0']) {
      const refused = await gateway.graphql(mutation, undefined, { accept });
      expect(refused.status).toBe(406);
      expect(refused).not.toHaveProperty('data');
      expect(refused.errors?.[0].extensions.code).toBe('NOT_ACCEPTABLE');
    }
    expect(patchesSent()).toEqual([]);
    for (const accept of ['*/*', 'application/graphql-response+json', 'text/html, application/json;q=0.5']) {
      const answered = await gateway.graphql(GET_BUDGET, { id: CONTOSO }, { accept });
      expect(answered.status).toBe(200);
    }
  });
});
