import { encode, HostilePartnerCenter, PartnerCenterAnswer } from '../support/hostile-partner-center';
import { randomUUID } from 'node:crypto';
import { startGateway, TestGateway } from './support/gateway';
import { GET_BUDGET, SET_BUDGET } from './support/ids';
import { gatewayBeforeIndependentPartnerCenter } from './support/independent-partner-center';
import { seeded } from './support/seeded';

const CUSTOMER = 'a1b2c3d4-0000-4000-8000-0000000000c1';
const BUDGET = `/v1/customers/${CUSTOMER}/usagebudget`;

/**
 * The gateway against a Partner Center and Entra ID written from the public contract alone (shared/
 * partner-center-api.md), misbehaving as real services and the proxies in front of them do: what a service written
 * against Partner Center gets from the REST mirror, and what GraphQL clients get, for each upstream answer.
 */
describe('the upstream contract, against an independent Partner Center', () => {
  const fixture = gatewayBeforeIndependentPartnerCenter(CUSTOMER);
  let partnerCenter: HostilePartnerCenter;
  let gateway: TestGateway;
  beforeAll(() => ({ partnerCenter, gateway } = fixture));

  /** No answer of the gateway may carry a bearer token Partner Center was sent. */
  const expectNoToken = (answer: unknown) => {
    const text = JSON.stringify(answer);
    for (const token of partnerCenter.tokens()) expect(text).not.toContain(token);
  };

  it('sends what the contract asks on every attempt, one MS-RequestId across the retries of a change', async () => {
    const correlationId = '7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b';
    let patches = 0;
    partnerCenter.answer = (request, response, budget) => {
      if (request.method === 'PATCH' && ++patches < 3) {
        response.writeHead(503, { 'Content-Type': 'text/html' });
        response.end('<html><body>Service Unavailable</body></html>');
        return;
      }
      if (request.method === 'PATCH') partnerCenter.amounts.set(CUSTOMER, JSON.parse(request.body).Amount);
      response.writeHead(200, { 'Content-Type': 'application/json', 'MS-CorrelationId': correlationId });
      response.end(JSON.stringify(budget()));
    };
    const rest = await gateway.http.patch(
      `/v1/customers/${CUSTOMER.toUpperCase()}/usagebudget`,
      { Amount: 42.5, Attributes: { ObjectType: 'SpendingBudget' } },
      { headers: { 'MS-CorrelationId': correlationId } },
    );
    expect(rest.status).toBe(200);
    expect(rest.headers['ms-correlationid']).toBe(correlationId);
    const sent = partnerCenter.requests();
    expect(sent).toHaveLength(3);
    for (const request of sent) {
      expect(request.method).toBe('PATCH');
      expect(request.url).toBe(BUDGET);
      expect(request.headers).toMatchObject({
        authorization: expect.stringMatching(/^Bearer .+/),
        'ms-requestid': sent[0].headers['ms-requestid'],
        'ms-correlationid': correlationId,
        'ms-contract-version': 'v1',
        accept: 'application/json',
        'content-type': 'application/json',
      });
      expect(partnerCenter.tokens()).toContain(String(request.headers.authorization).slice('Bearer '.length));
      expect(JSON.parse(request.body)).toEqual({
        Amount: 42.5,
        Attributes: { ObjectType: 'SpendingBudget' },
      });
    }
    expect(sent[0].headers['ms-requestid']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    const form = partnerCenter.tokenForms()[0];
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('scope')?.split(' ')).toContain('https://api.partnercenter.microsoft.com/.default');
  });

  describe('compressed answers (HTTP lets a server pick any content coding when no Accept-Encoding is sent)', () => {
    it.each(['gzip', 'deflate', 'br'] as const)(
      'reads a budget answered with Content-Encoding: %s',
      async (coding) => {
        partnerCenter.answer = (_request, response, budget) => {
          response.writeHead(200, {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Encoding': coding,
          });
          response.end(encode(coding, JSON.stringify(budget())));
        };
        const rest = await gateway.http.get(BUDGET);
        expect(rest.status).toBe(200);
        expect(rest.data).toMatchObject({ amount: 100, usageSpendingBudget: 100 });
        const gql = await gateway.graphql(GET_BUDGET, { id: CUSTOMER });
        expect(gql.data?.customerUsageBudget).toMatchObject({ amount: 100 });
      },
    );

    it('applies a change answered compressed once, without a confirming read', async () => {
      partnerCenter.answer = (request, response, budget) => {
        if (request.method === 'PATCH') partnerCenter.amounts.set(CUSTOMER, JSON.parse(request.body).Amount);
        response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        response.end(encode('gzip', JSON.stringify(budget())));
      };
      const rest = await gateway.http.patch(BUDGET, { amount: 250 });
      expect(rest.status).toBe(200);
      expect(rest.data.amount).toBe(250);
      expect(partnerCenter.requests().map((r) => r.method)).toEqual(['PATCH']);
    });

    it.each(['gzip', 'UTF-8', 'zstd'])(
      'reads a plain budget whose Content-Encoding says %s (a mislabelled answer is still the answer)',
      async (coding) => {
        partnerCenter.answer = (_request, response, budget) => {
          response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': coding });
          response.end(JSON.stringify(budget()));
        };
        const rest = await gateway.http.get(BUDGET);
        expect(rest.status).toBe(200);
        expect(rest.data.amount).toBe(100);
      },
    );

    it('reads an empty 404 that names a content coding as the 404 it is', async () => {
      partnerCenter.answer = (_request, response) => {
        response.writeHead(404, { 'Content-Encoding': 'gzip' });
        response.end();
      };
      const rest = await gateway.http.get(BUDGET);
      expect(rest.status).toBe(404);
      expect(rest.data.code).toBe('NOT_FOUND');
    });

    it('refuses an answer that decompresses past the size limit as no answer', async () => {
      partnerCenter.answer = (_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        response.end(encode('gzip', `{"amount":1,"padding":"${' '.repeat(4 * 1024 * 1024)}"}`));
      };
      const rest = await gateway.http.get(BUDGET);
      expect(rest.status).toBe(503);
      expect(rest.data).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        partnerCenter: { code: 'ERR_RESPONSE_TOO_LARGE' },
      });
    });

    it('gets a token from an Entra ID that compresses its answer', async () => {
      const fresh = await startGateway({
        partnerCenter: partnerCenter.connection(),
        secrets: [partnerCenter.clientSecret],
      });
      try {
        partnerCenter.tokenEncoding = 'gzip';
        const rest = await fresh.http.get(BUDGET);
        expect(rest.status).toBe(200);
        expect(rest.data.amount).toBe(100);
        expectNoToken(rest.data);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('what a 200 to a read must be to count as a budget', () => {
    const answering =
      (body: string): PartnerCenterAnswer =>
      (_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(body);
      };

    it.each([
      ['an empty object', '{}'],
      ["an error's shape", '{"code":800003,"description":"Unexpected service error","source":"PartnerFD"}'],
      ['another resource', '{"totalCost":12.5,"currencyCode":"EUR"}'],
    ])('refuses %s as no budget, not as "no budget set"', async (_name, body) => {
      partnerCenter.answer = answering(body);
      const rest = await gateway.http.get(BUDGET);
      expect(rest.status).toBe(502);
      expect(rest.data).toMatchObject({ code: 'UPSTREAM_ERROR', partnerCenter: { status: 200 } });
      const gql = await gateway.graphql(GET_BUDGET, { id: CUSTOMER });
      expect(gql.errors?.[0].extensions.code).toBe('UPSTREAM_ERROR');
    });

    it.each([
      ['amount null', '{"amount":null,"attributes":{"objectType":"SpendingBudget"}}'],
      ['amount left out of a SpendingBudget', '{"attributes":{"objectType":"SpendingBudget"}}'],
      ['PascalCase, amount null', '{"Amount":null,"Attributes":{"ObjectType":"SpendingBudget"}}'],
    ])('reads %s as a customer without a budget', async (_name, body) => {
      partnerCenter.answer = answering(body);
      const rest = await gateway.http.get(BUDGET);
      expect(rest.status).toBe(200);
      expect(rest.data.amount).toBeNull();
    });
  });

  describe("Partner Center's refusals", () => {
    const refuse =
      (status: number, body: Record<string, unknown>, method = 'GET'): PartnerCenterAnswer =>
      (request, response, budget) => {
        response.writeHead(request.method === method ? status : 200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(request.method === method ? body : budget()));
      };

    it("passes a 400 for the caller's request on as 400, with Partner Center's code (a client error is no 5xx)", async () => {
      partnerCenter.answer = refuse(400, {
        code: 900118,
        description: 'Invalid customer id',
        source: 'PartnerFD',
      });
      const correlationId = '0d5c3f0e-2b1a-4c6d-8e9f-0a1b2c3d4e5f';
      const rest = await gateway.http.get(BUDGET, { headers: { 'MS-CorrelationId': correlationId } });
      expect(rest.status).toBe(400);
      expect(rest.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(rest.headers['ms-correlationid']).toBe(correlationId);
      expect(rest.data).toMatchObject({
        status: 400,
        code: 'UPSTREAM_ERROR',
        correlationId,
        partnerCenter: {
          source: 'partner-center',
          status: 400,
          code: 900118,
          description: 'Invalid customer id',
        },
      });
      const gql = await gateway.graphql(GET_BUDGET, { id: CUSTOMER });
      expect(gql.errors?.[0].extensions).toMatchObject({
        code: 'UPSTREAM_ERROR',
        partnerCenter: { status: 400, code: 900118 },
      });
    });

    it.each([
      [400, { code: 400, description: 'The amount is not valid for this customer' }],
      [409, { code: 409, description: 'Another change of this budget is in progress' }],
      [412, { code: 412, description: 'Precondition failed' }],
    ])(
      'passes a %i to a change on with its status: not applied, so nothing more is asked',
      async (status, body) => {
        partnerCenter.answer = refuse(status, body, 'PATCH');
        const rest = await gateway.http.patch(BUDGET, { amount: 250 });
        expect(rest.status).toBe(status);
        expect(rest.data).toMatchObject({
          status,
          code: 'UPSTREAM_ERROR',
          partnerCenter: { status, ...body },
        });
        expect(partnerCenter.requests().map((r) => r.method)).toEqual(['PATCH']);
        const gql = await gateway.graphql(SET_BUDGET, { input: { customerId: CUSTOMER, amount: 251 } });
        expect(gql.status).toBe(200);
        expect(gql.errors?.[0].extensions).toMatchObject({
          code: 'UPSTREAM_ERROR',
          correlationId: gql.headers['ms-correlationid'],
          partnerCenter: { status, ...body },
        });
      },
    );

    it('never hands on the bearer token a refusal echoes, whatever its form', async () => {
      partnerCenter.answer = (request, response) => {
        const token = String(request.headers.authorization).slice('Bearer '.length);
        response.writeHead(request.method === 'GET' ? 401 : 400, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ code: 800002, description: `The token ${token} is not valid here` }));
      };
      const rest = await gateway.http.get(BUDGET);
      const gql = await gateway.graphql(GET_BUDGET, { id: CUSTOMER });
      const change = await gateway.http.patch(BUDGET, { amount: 5 });
      expect([rest.status, change.status]).toEqual([401, 400]);
      expect(rest.data.partnerCenter.description).toMatch(/^The token .+ is not valid here$/);
      expectNoToken([rest.data, gql, change.data, gateway.rawLogs()]);
    });

    it.each([
      [405, {}],
      [406, {}],
      [302, { Location: '/steal' }],
    ])('answers a %i (the gateway asked wrongly) 502, following no redirect', async (status, headers) => {
      partnerCenter.answer = (_request, response) => {
        response.writeHead(status, headers);
        response.end();
      };
      const rest = await gateway.http.get(BUDGET);
      expect(rest.status).toBe(502);
      expect(rest.data).toMatchObject({ code: 'UPSTREAM_ERROR', partnerCenter: { status } });
      expect(partnerCenter.requests().map((r) => r.url)).toEqual([BUDGET]);
      expectNoToken(rest.data);
    });
  });

  it('honours the wait a 429 body names in PascalCase: asks once, and tells the caller that wait', async () => {
    // A gateway of its own: the 429 pauses this customer's (and maybe the partner's) calls for the wait it names.
    const throttled = await startGateway({
      partnerCenter: partnerCenter.connection(),
      secrets: [partnerCenter.clientSecret],
    });
    try {
      partnerCenter.answer = (_request, response) => {
        response.writeHead(429, { 'Content-Type': 'application/json' });
        response.end('{"StatusCode":429,"Message":"Rate limit is exceeded. Try again in 57 seconds."}');
      };
      const rest = await throttled.http.get(BUDGET);
      expect(rest.status).toBe(429);
      expect(rest.headers['retry-after']).toBe('57');
      expect(rest.data).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 57 });
      expect(partnerCenter.requests()).toHaveLength(1);
    } finally {
      await throttled.close();
    }
  });

  describe('a change retried after an attempt that may have been applied', () => {
    /** The first PATCH is applied, then its connection dies before the answer; later ones get `then`. */
    const appliedThenLost =
      (then: { status: number; body: Record<string, unknown> }): PartnerCenterAnswer =>
      (request, response, budget) => {
        const patches = partnerCenter.requests().filter((r) => r.method === 'PATCH').length;
        if (request.method === 'PATCH' && patches === 1) {
          partnerCenter.amounts.set(CUSTOMER, JSON.parse(request.body).Amount);
          response.socket?.destroy();
          return;
        }
        const answer = request.method === 'PATCH' ? then : { status: 200, body: budget() };
        response.writeHead(answer.status, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(answer.body));
      };

    it.each([
      [409, { code: 409, description: 'A request with this MS-RequestId is being processed' }],
      [400, { code: 400, description: 'Duplicate MS-RequestId' }],
      [404, { code: 60003, description: 'Tenant not found' }],
    ])(
      'reads a %i to the retry as no word on the first attempt: the change it made is confirmed, not reported refused',
      async (status, body) => {
        partnerCenter.answer = appliedThenLost({ status, body });
        const rest = await gateway.http.patch(BUDGET, { amount: 275 });
        expect(rest.status).toBe(200);
        expect(rest.data.amount).toBe(275);
        const methods = partnerCenter.requests().map((r) => r.method);
        expect(methods).toEqual(['PATCH', 'PATCH', 'GET']);
        // Both PATCHes were one change: one MS-RequestId.
        const ids = partnerCenter
          .requests()
          .filter((r) => r.method === 'PATCH')
          .map((r) => r.headers['ms-requestid']);
        expect(new Set(ids).size).toBe(1);
      },
    );

    it('says OUTCOME_UNKNOWN, with the key, when the confirming read does not show the change', async () => {
      partnerCenter.answer = appliedThenLost({ status: 409, body: { code: 409, description: 'Conflict' } });
      partnerCenter.amounts.set(CUSTOMER, 100);
      // The change is applied, then undone by someone else before the read.
      const original = partnerCenter.answer;
      partnerCenter.answer = (request, response, budget) => {
        if (request.method === 'GET') partnerCenter.amounts.set(CUSTOMER, 100);
        return original(request, response, budget);
      };
      const rest = await gateway.http.patch(BUDGET, { amount: 276 });
      expect(rest.status).toBe(504);
      expect(rest.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: expect.any(String) });
    });
  });

  it('applies each change at most once, and says so truly, through lost answers, 5xx, 429s and in-progress 409s', async () => {
    // A Partner Center that keeps its idempotency promise (one MS-RequestId, one change, its answer replayed) and
    // fails as real services do, from a fixed seed. Each change has its own amount, so the applied ones can be told.
    const random = seeded(7);
    const appliedBy = new Map<string, number>();
    const timesApplied = new Map<number, number>();
    partnerCenter.answer = (request, response, budget) => {
      const fail = (status: number, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'Content-Type': 'text/html', ...headers });
        response.end('<html>busy</html>');
      };
      const roll = random();
      if (request.method === 'GET') {
        if (roll < 0.2) return fail(503);
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(budget()));
        return;
      }
      const id = String(request.headers['ms-requestid']);
      const amount = (JSON.parse(request.body) as { Amount: number }).Amount;
      if (roll < 0.1) return fail(429, { 'Retry-After': '0' });
      if (roll < 0.25) return fail(503);
      if (appliedBy.has(id)) {
        if (appliedBy.get(id) !== amount) return fail(409);
        // A retry of a change made: refused while the first request is taken to be under way, else replayed.
        if (roll < 0.45) return fail(409);
      } else {
        appliedBy.set(id, amount);
        timesApplied.set(amount, (timesApplied.get(amount) ?? 0) + 1);
        partnerCenter.amounts.set(CUSTOMER, amount);
        if (roll < 0.5) return void response.socket?.destroy(); // applied, the answer lost
        if (roll < 0.6) return fail(500); // applied, then an error
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(budget()));
    };

    const outcomes: Array<{
      amount: number;
      statuses: number[];
      final: { status: number; amount?: number };
    }> = [];
    for (let i = 0; i < 30; i++) {
      const amount = 1_000 + i;
      const key = randomUUID();
      const statuses: number[] = [];
      let answer = await gateway.http.patch(BUDGET, { amount }, { headers: { 'MS-RequestId': key } });
      statuses.push(answer.status);
      // As a service written against Partner Center would: retry what says "retry" with the same MS-RequestId.
      for (let retry = 0; retry < 4 && answer.status >= 500; retry++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        answer = await gateway.http.patch(BUDGET, { amount }, { headers: { 'MS-RequestId': key } });
        statuses.push(answer.status);
      }
      outcomes.push({ amount, statuses, final: { status: answer.status, amount: answer.data?.amount } });
    }

    for (const { amount, statuses, final } of outcomes) {
      const applied = timesApplied.get(amount) ?? 0;
      expect({ amount, applied: Math.min(applied, 2) }).toEqual({ amount, applied: Math.min(applied, 1) });
      expect(statuses).not.toContain(500);
      if (final.status === 200)
        expect({ amount, applied, answered: final.amount }).toEqual({ amount, applied: 1, answered: amount });
      // A refusal with nothing unknown before it: the change was not made.
      if (final.status < 500 && final.status !== 200 && statuses.every((s) => s < 500))
        expect({ amount, applied }).toEqual({ amount, applied: 0 });
    }
    // The run exercised every path (not a vacuous pass).
    expect(outcomes.filter((o) => o.final.status === 200).length).toBeGreaterThan(10);
  });

  describe('the REST mirror, called as a service written against Partner Center calls it', () => {
    it('takes back the resource it answered, with a new amount (read, change, write)', async () => {
      const read = await gateway.http.get(BUDGET);
      const written = await gateway.http.patch(BUDGET, { ...read.data, amount: 300 });
      expect(written.status).toBe(200);
      expect(written.data).toMatchObject({ amount: 300 });
      // Partner Center is sent the change, not the read-only members it answered.
      expect(JSON.parse(partnerCenter.requests().at(-1)!.body)).toEqual({
        Amount: 300,
        Attributes: { ObjectType: 'SpendingBudget' },
      });
    });

    it('takes a SpendingBudget as a .NET client serializes it (PascalCase, empty members null)', async () => {
      const written = await gateway.http.patch(BUDGET, {
        Amount: 300.5,
        UsageSpendingBudget: null,
        Links: null,
        Attributes: { ObjectType: 'SpendingBudget' },
      });
      expect(written.status).toBe(200);
      expect(written.data.amount).toBe(300.5);
    });

    it('sends Partner Center a read and a change under one MS-RequestId as two calls, each with its own id', async () => {
      // A service that (wrongly) keeps one request id for a read and the change it makes after it: Partner Center
      // must not see one idempotency key for two logical calls, or it may answer the change with the read's answer.
      const key = '6e2d3c4b-5f6a-4b7c-8d9e-0f1a2b3c4d5e';
      await gateway.http.get(BUDGET, { headers: { 'MS-RequestId': key } });
      await gateway.http.get(BUDGET, { headers: { 'MS-RequestId': key } });
      const change = await gateway.http.patch(BUDGET, { amount: 310 }, { headers: { 'MS-RequestId': key } });
      expect(change.status).toBe(200);
      const [read, reread, patch] = partnerCenter.requests().map((r) => r.headers['ms-requestid']);
      expect(read).toBe(reread); // a retry of the same call carries the same id
      expect(patch).not.toBe(read);
    });

    it.each([
      ['a change', { amount: 300 }],
      ['a negative amount', { amount: -1 }],
      ['an amount that is no number', { amount: 'x' }],
      ['a member that is no part of the resource', { amount: 1, currency: 'EUR' }],
    ])('echoes the MS-RequestId it was sent on its answer to %s', async (_name, body) => {
      const key = '5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
      const answer = await gateway.http.patch(BUDGET, body, { headers: { 'MS-RequestId': key } });
      expect(answer.headers['ms-requestid']).toBe(key);
    });

    it('still refuses a member that is no part of the resource, with no upstream call', async () => {
      const written = await gateway.http.patch(BUDGET, { amount: 300, currency: 'EUR' });
      expect(written.status).toBe(400);
      expect(written.data.errors).toEqual([
        { field: 'currency', message: 'property currency should not exist' },
      ]);
      expect(partnerCenter.requests()).toEqual([]);
    });
  });
});
