import { encode, HostilePartnerCenter, startHostilePartnerCenter } from '../support/hostile-partner-center';
import { startGateway, TestGateway } from './support/gateway';
import { GET_BUDGET } from './support/ids';

const CUSTOMER = 'a1b2c3d4-0000-4000-8000-0000000000c1';
const BUDGET = `/v1/customers/${CUSTOMER}/usagebudget`;

/**
 * The gateway against a Partner Center and Entra ID written from the public contract alone (shared/
 * partner-center-api.md), misbehaving as real services and the proxies in front of them do: what a service written
 * against Partner Center gets from the REST mirror, and what GraphQL clients get, for each upstream answer.
 */
describe('the upstream contract, against an independent Partner Center', () => {
  let partnerCenter: HostilePartnerCenter;
  let gateway: TestGateway;

  beforeAll(async () => {
    partnerCenter = await startHostilePartnerCenter();
    gateway = await startGateway({
      partnerCenter: partnerCenter.connection(),
      secrets: [partnerCenter.clientSecret],
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await partnerCenter?.close();
  });
  beforeEach(() => {
    partnerCenter.reset();
    partnerCenter.amounts.set(CUSTOMER, 100);
  });

  /** No answer of the gateway may carry a bearer token Partner Center was sent. */
  const expectNoToken = (answer: unknown) => {
    const text = JSON.stringify(answer);
    for (const token of partnerCenter.tokens()) expect(text).not.toContain(token);
  };

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

    it('refuses an answer that decompresses past the size limit as no answer', async () => {
      partnerCenter.answer = (_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        response.end(encode('gzip', `{"amount":1,"padding":"${' '.repeat(64 * 1024 * 1024)}"}`));
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
