import { connect } from 'node:net';
import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, GET_BUDGET, SET_BUDGET } from './support/ids';

/** Issue 10, point 5: hostile input is refused with a client code (never 500), and nothing reaches Partner Center. */
describe('hostile input', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());
  afterEach(() => expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toEqual([]));

  const path = `/v1/customers/${CONTOSO}/usagebudget`;
  // Bodies go out byte for byte (axios would re-encode a string that is not JSON as a JSON string).
  const raw = { transformRequest: [(data: string) => data], headers: { 'content-type': 'application/json' } };
  const patchRaw = (body: string) => gateway.http.patch(path, body, raw);
  const graphqlRaw = (body: string) => gateway.http.post('/graphql', body, raw);
  const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  const expectProblem = (
    response: { status: number; headers: Record<string, unknown>; data: any },
    code: string,
  ) => {
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.data).toMatchObject({ status: response.status, code, correlationId: expect.any(String) });
  };
  const expectGraphqlError = (response: { headers: Record<string, unknown>; data: any }, code: string) => {
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.data.errors).toEqual([
      expect.objectContaining({
        message: expect.any(String),
        extensions: expect.objectContaining({ code, correlationId: expect.any(String) }),
      }),
    ]);
    expect(response.data.errors[0].extensions.correlationId).toBe(response.headers['ms-correlationid']);
  };

  describe('JSON nesting and member limits, before any transformation', () => {
    it('answers a PATCH nesting 1,600 arrays deep (3 KB, under the size limit) with 400, not a stack overflow', async () => {
      const body = `{"amount":5,"attributes":${deep(1600)}}`;
      expect(body.length).toBeLessThan(16 * 1024);
      const response = await patchRaw(body);
      expect(response.status).toBe(400);
      expectProblem(response, 'BAD_USER_INPUT');
      expect(response.data.errors[0].message).toMatch(/nests deeper than 32 levels/);
    });

    it('answers the same nesting on /graphql with a GraphQL-shaped 400', async () => {
      const response = await graphqlRaw(`{"query":${JSON.stringify(GET_BUDGET)},"variables":${deep(1600)}}`);
      expect(response.status).toBe(400);
      expectGraphqlError(response, 'BAD_USER_INPUT');
    });

    it('accepts 32 levels and refuses 33', async () => {
      const within = await patchRaw(`{"amount":5,"x":${deep(31)}}`);
      expect(within.data.errors).toEqual([{ field: 'x', message: 'property x should not exist' }]);
      const past = await patchRaw(`{"amount":5,"x":${deep(32)}}`);
      expect(past.data.errors[0].message).toMatch(/deeper than 32/);
    });

    it('refuses a body with more than 1,000 object members', async () => {
      const keys = Array.from({ length: 1001 }, (_, i) => `"k${i}":0`).join(',');
      const response = await patchRaw(`{"amount":5,"attributes":{${keys}}}`);
      expect(response.status).toBe(400);
      expectProblem(response, 'BAD_USER_INPUT');
      expect(response.data.errors[0].message).toMatch(/more than 1000 object members/);
    });
  });

  describe('a member given twice is refused, never resolved silently to one of its values', () => {
    it('refuses {"amount":1,"amount":1000} on REST, naming the field (JSON.parse would apply 1000)', async () => {
      const response = await patchRaw('{"amount":1,"amount":1000}');
      expect(response.status).toBe(400);
      expectProblem(response, 'BAD_USER_INPUT');
      expect(response.data.errors).toEqual([
        { field: 'amount', message: 'amount is given more than once in the same object' },
      ]);
    });

    it('refuses a GraphQL request body with two queries or two inputs', async () => {
      const twoQueries = await graphqlRaw(`{"query":${JSON.stringify(GET_BUDGET)},"query":"{ __typename }"}`);
      expect(twoQueries.status).toBe(400);
      expectGraphqlError(twoQueries, 'BAD_USER_INPUT');
      const input = `"customerId":"${CONTOSO}","amount":5`;
      const twoAmounts = await graphqlRaw(
        `{"query":${JSON.stringify(SET_BUDGET)},"variables":{"input":{${input},"amount":5000}}}`,
      );
      expect(twoAmounts.status).toBe(400);
      expectGraphqlError(twoAmounts, 'BAD_USER_INPUT');
    });
  });

  describe('prototype keys are refused as unknown fields, by name, never dropped', () => {
    it.each([
      ['{"amount":5,"constructor":1}', 'constructor'],
      ['{"amount":5,"prototype":{"x":1}}', 'prototype'],
      ['{"amount":5,"__proto__":{"isAdmin":true}}', '__proto__'],
      [
        '{"amount":5,"attributes":{"objectType":"SpendingBudget","constructor":{"prototype":{}}}}',
        'attributes.constructor',
      ],
      ['{"amount":5,"list":[{"__proto__":1}]}', 'list[0].__proto__'],
    ])('%s → 400 naming %s', async (body, field) => {
      const response = await patchRaw(body);
      expect(response.status).toBe(400);
      expectProblem(response, 'BAD_USER_INPUT');
      expect(response.data.errors).toContainEqual({ field, message: `property ${field} should not exist` });
    });

    it('refuses names every object inherits (toString, hasOwnProperty), which validation alone dropped', async () => {
      const response = await patchRaw('{"amount":5,"toString":1}');
      expect(response.status).toBe(400);
      expect(response.data.errors).toEqual([
        { field: 'toString', message: 'property toString should not exist' },
      ]);
    });

    it('refuses a prototype key in GraphQL variables', async () => {
      const response = await graphqlRaw(
        `{"query":${JSON.stringify(SET_BUDGET)},"variables":{"input":{"customerId":"${CONTOSO}","amount":5,"constructor":{}}}}`,
      );
      expect(response.status).toBe(400);
      expectGraphqlError(response, 'BAD_USER_INPUT');
    });
  });

  describe('every GraphQL client error has a client code and HTTP 400', () => {
    const hash = 'a'.repeat(64);
    it.each<[string, string, string, RegExp]>([
      [
        'a persisted query that is not known',
        JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
        'PERSISTED_QUERY_NOT_SUPPORTED',
        /persisted queries are off/i,
      ],
      [
        'a persisted query whose hash does not match',
        JSON.stringify({
          query: GET_BUDGET,
          extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
        }),
        'PERSISTED_QUERY_NOT_SUPPORTED',
        /persisted queries are off/i,
      ],
      [
        'a subscription',
        JSON.stringify({
          query: `subscription { customerUsageBudget(customerId: "${CONTOSO}") { amount } }`,
        }),
        'OPERATION_NOT_SUPPORTED',
        /subscriptions are not offered/i,
      ],
      ['no query', JSON.stringify({ variables: {} }), 'BAD_REQUEST', /query/],
      ['a query that is not a string', JSON.stringify({ query: 5 }), 'BAD_REQUEST', /must be strings/],
      [
        'variables that are not an object',
        JSON.stringify({ query: GET_BUDGET, variables: 'x' }),
        'BAD_REQUEST',
        /variables/,
      ],
      ['a body that is not JSON', '{"query": ', 'BAD_REQUEST', /not valid JSON/],
      [
        'a syntax error',
        JSON.stringify({ query: '{ customerUsageBudget(' }),
        'GRAPHQL_PARSE_FAILED',
        /Syntax/,
      ],
      ['an unknown field', JSON.stringify({ query: '{ nope }' }), 'GRAPHQL_VALIDATION_FAILED', /nope/],
      [
        'a variable of the wrong type',
        JSON.stringify({ query: GET_BUDGET, variables: { id: { a: 1 } } }),
        'BAD_USER_INPUT',
        /\$id/,
      ],
    ])('%s → %s', async (_case, body, code, message) => {
      const response = await graphqlRaw(body);
      expect(response.status).toBe(400);
      expect(response.data.errors[0].extensions).toMatchObject({ code, correlationId: expect.any(String) });
      expect(response.data.errors[0].message).toMatch(message);
    });
  });

  describe('/graphql answers GraphQL-shaped errors for refused bodies; REST keeps problem+json', () => {
    it('answers an oversized body on /graphql with 413 PAYLOAD_TOO_LARGE in errors', async () => {
      const response = await graphqlRaw(JSON.stringify({ query: GET_BUDGET, padding: 'x'.repeat(40_000) }));
      expect(response.status).toBe(413);
      expectGraphqlError(response, 'PAYLOAD_TOO_LARGE');
    });

    it('answers a wrong media type on /graphql with 415 in errors', async () => {
      const response = await gateway.http.post('/graphql', '<query/>', {
        headers: { 'content-type': 'application/xml' },
      });
      expect(response.status).toBe(415);
      expectGraphqlError(response, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('keeps problem+json on REST for malformed JSON and a URL the router cannot decode', async () => {
      const malformed = await patchRaw('{"amount": ');
      expect(malformed.status).toBe(400);
      expectProblem(malformed, 'BAD_USER_INPUT');
      const badUrl = await gateway.http.get('/v1/customers/%zz/usagebudget');
      expect(badUrl.status).toBe(400);
      expectProblem(badUrl, 'BAD_USER_INPUT');
      // Refused by the router before any hook: the security headers are set by the refusal itself.
      expect(badUrl.headers['x-content-type-options']).toBe('nosniff');
      expect(badUrl.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(badUrl.headers['cache-control']).toBe('no-store');
      const longId = await gateway.http.get(`/v1/customers/${'x'.repeat(500)}/usagebudget`);
      expect(longId.status).toBe(400);
      expectProblem(longId, 'BAD_USER_INPUT');
      expect(longId.headers['x-frame-options']).toBe('DENY');
    });
  });

  describe('client aborts', () => {
    /** Writes a request, then closes the connection before the answer. */
    const abort = (request: string, afterMs: number) =>
      new Promise<void>((resolve, reject) => {
        const address = new URL(gateway.url);
        const socket = connect(Number(address.port), address.hostname, () => {
          socket.write(request);
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, afterMs);
        });
        socket.on('error', reject);
      });
    const linesAbout = (correlationId: string) =>
      gateway.logs().filter((line) => line.correlationId === correlationId);
    const settle = async (correlationId: string) => {
      for (let i = 0; i < 50 && !linesAbout(correlationId).some((l) => l.msg === 'request aborted'); i += 1)
        await new Promise((resolve) => setTimeout(resolve, 50));
    };

    it.each([
      ['while its body is still being sent', 'PATCH', '{"amount":'],
      ['while Partner Center is slow to answer', 'GET', undefined],
    ])('logs a request the client gave up on %s at debug, not error', async (_case, method, body) => {
      gateway.sandbox.faults.add({ target: 'partner-center', kind: 'latency', latencyMs: 400 });
      const correlationId = crypto.randomUUID();
      const head = [
        `${method} ${path} HTTP/1.1`,
        'host: 127.0.0.1',
        `ms-correlationid: ${correlationId}`,
        ...(body ? ['content-type: application/json', 'content-length: 100'] : []),
      ].join('\r\n');
      await abort(`${head}\r\n\r\n${body ?? ''}`, 100);
      await settle(correlationId);
      // The slow read finishes after the client left; wait it out so the next test starts clean.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const lines = linesAbout(correlationId);
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 20, msg: expect.stringMatching(/aborted/) }),
      );
      expect(lines.filter((line) => line.level >= 50)).toEqual([]);
      gateway.sandbox.reset(); // the slow GET did reach Partner Center: it was valid, only abandoned
    });

    it('never logs a query value of a request the client gave up on', async () => {
      gateway.sandbox.faults.add({ target: 'partner-center', kind: 'latency', latencyMs: 400 });
      const correlationId = crypto.randomUUID();
      const signature = 'abandoned-signature-value';
      const head = [
        `GET ${path}?sig=${signature} HTTP/1.1`,
        'host: 127.0.0.1',
        `ms-correlationid: ${correlationId}`,
      ].join('\r\n');
      await abort(`${head}\r\n\r\n`, 100);
      await settle(correlationId);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(linesAbout(correlationId)).toContainEqual(
        expect.objectContaining({ outcome: 'CLIENT_ABORTED' }),
      );
      expect(gateway.rawLogs().join('\n')).not.toContain(signature);
      gateway.sandbox.reset();
    });
  });
});
