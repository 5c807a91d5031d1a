import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, FABRIKAM_NO_BUDGET, GET_BUDGET, GUID, NORTHWIND_NO_USAGE, SET_BUDGET } from './support/ids';

/** Issue 2, points 1–4: GraphQL and REST round trips through the real client, to the sandbox over HTTPS. */
describe('usage budget through the gateway', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const partnerCenterCalls = () => gateway.sandbox.requestLog.entries({ target: 'partner-center' });

  describe('GraphQL', () => {
    it('reads a customer budget', async () => {
      const answer = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual({
        customerUsageBudget: { customerId: CONTOSO, amount: 100, usageSpendingBudget: 100 },
      });
    });

    it('reads a customer with no budget as amount null', async () => {
      const answer = await gateway.graphql(GET_BUDGET, { id: FABRIKAM_NO_BUDGET });
      expect(answer.data?.customerUsageBudget.amount).toBeNull();
    });

    it('answers usageSpendingBudget null when Partner Center leaves it out', async () => {
      const answer = await gateway.graphql(GET_BUDGET, { id: NORTHWIND_NO_USAGE });
      expect(answer.data?.customerUsageBudget).toEqual({
        customerId: NORTHWIND_NO_USAGE,
        amount: 250.5,
        usageSpendingBudget: null,
      });
    });

    it('sets a budget and reads it back', async () => {
      const set = await gateway.graphql(SET_BUDGET, { input: { customerId: CONTOSO, amount: 420.25 } });
      expect(set.errors).toBeUndefined();
      expect(set.data?.updateUsageBudget).toMatchObject({ customerId: CONTOSO, amount: 420.25 });
      const read = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
      expect(read.data?.customerUsageBudget.amount).toBe(420.25);
    });

    it('answers queries over GET /graphql too', async () => {
      const response = await gateway.http.get('/graphql', {
        params: { query: GET_BUDGET, variables: JSON.stringify({ id: CONTOSO }) },
        headers: { 'apollo-require-preflight': 'true' },
      });
      expect(response.status).toBe(200);
      expect(response.data.data.customerUsageBudget.amount).toBe(100);
    });
  });

  describe('REST mirror of Partner Center', () => {
    it("answers GET with Partner Center's resource shape", async () => {
      const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(response.status).toBe(200);
      expect(response.data).toEqual({
        amount: 100,
        usageSpendingBudget: 100,
        attributes: { objectType: 'SpendingBudget' },
        links: { self: { uri: `/v1/customers/${CONTOSO}/usagebudget`, method: 'GET', headers: [] } },
      });
    });

    it('accepts PATCH with {"amount": n}', async () => {
      const response = await gateway.http.patch(`/v1/customers/${CONTOSO}/usagebudget`, { amount: 75 });
      expect(response.status).toBe(200);
      expect(response.data.amount).toBe(75);
      expect((await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`)).data.amount).toBe(75);
    });

    it("accepts Partner Center's own PATCH body", async () => {
      const body = { Amount: 90, Attributes: { ObjectType: 'SpendingBudget' } };
      const response = await gateway.http.patch(`/v1/customers/${CONTOSO}/usagebudget`, body);
      expect(response.status).toBe(200);
      expect(response.data.amount).toBe(90);
    });

    it('serves an OpenAPI document describing both operations, and its UI', async () => {
      const document = await gateway.http.get('/openapi.json');
      expect(document.status).toBe(200);
      const operations = document.data.paths['/v1/customers/{customerId}/usagebudget'];
      expect(Object.keys(operations)).toEqual(expect.arrayContaining(['get', 'patch']));
      expect(document.data.components.securitySchemes.bearer).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      expect(operations.patch.security).toEqual([{ bearer: [] }]);
      const ui = await gateway.http.get('/docs');
      expect(ui.status).toBe(200);
      expect(String(ui.data)).toContain('swagger');
    });
  });

  describe('what goes upstream', () => {
    it('sends every documented header, the caller correlation id and a fresh request id', async () => {
      const correlationId = '1f0e4d2c-3b4a-4c5d-8e6f-7a8b9c0d1e2f';
      await gateway.http.patch(
        `/v1/customers/${CONTOSO}/usagebudget`,
        { amount: 12 },
        { headers: { 'MS-CorrelationId': correlationId } },
      );
      const [call] = partnerCenterCalls().filter((c) => c.method === 'PATCH');
      expect(call.method).toBe('PATCH');
      expect(call.path).toBe(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(call.headers).toMatchObject({
        authorization: expect.stringMatching(/^Bearer eyJ/),
        'ms-requestid': expect.stringMatching(GUID),
        'ms-correlationid': correlationId,
        'ms-contract-version': 'v1',
        'ms-partnercenter-application': 'usage-budget-gateway',
        'x-locale': 'en-US',
        accept: 'application/json',
        'content-type': 'application/json',
      });
      expect(JSON.parse(call.body)).toEqual({ Amount: 12, Attributes: { ObjectType: 'SpendingBudget' } });
    });

    it("forwards the caller's X-Locale when it is a language tag, and the configured one otherwise", async () => {
      const localeSent = async (send: () => Promise<unknown>) => {
        gateway.sandbox.requestLog.clear();
        await send();
        return partnerCenterCalls().map((c) => c.headers['x-locale']);
      };
      const rest = (locale?: string) => () =>
        gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
          headers: locale === undefined ? {} : { 'X-Locale': locale },
        });
      expect(await localeSent(rest('fr-FR'))).toEqual(['fr-FR']);
      expect(await localeSent(rest('zh-Hans-CN'))).toEqual(['zh-Hans-CN']);
      expect(await localeSent(rest())).toEqual(['en-US']);
      for (const malformed of ['', 'fr_FR', 'en-US; q=1', '../../x', 'a'.repeat(40)])
        expect(await localeSent(rest(malformed))).toEqual(['en-US']);
      const graphql = () => gateway.graphql(GET_BUDGET, { id: CONTOSO }, { 'X-Locale': 'de-DE' });
      expect(await localeSent(graphql)).toEqual(['de-DE']);
    });

    it('uses a new MS-RequestId for each logical call', async () => {
      await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      const ids = partnerCenterCalls().map((c) => c.headers['ms-requestid']);
      expect(ids).toHaveLength(2);
      expect(ids[0]).not.toBe(ids[1]);
    });

    it('makes one upstream call per write, and a write succeeds while reads fail', async () => {
      gateway.sandbox.faults.add({ kind: 'status', status: 503, method: 'GET' });
      const read = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(read.status).toBe(503);
      gateway.sandbox.requestLog.clear();
      const write = await gateway.http.patch(`/v1/customers/${CONTOSO}/usagebudget`, { amount: 808 });
      expect(write.status).toBe(200);
      expect(write.data.amount).toBe(808);
      expect(partnerCenterCalls().map((c) => c.method)).toEqual(['PATCH']);
    });
  });

  describe('correlation ids', () => {
    it("propagates the caller's MS-CorrelationId upstream and back", async () => {
      const id = 'a3c9e4f1-1234-4abc-9def-0123456789ab';
      const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
        headers: { 'MS-CorrelationId': id },
      });
      expect(response.headers['ms-correlationid']).toBe(id);
      expect(partnerCenterCalls()[0].headers['ms-correlationid']).toBe(id);
    });

    it('accepts X-Correlation-Id as well', async () => {
      const id = 'b4d0f5a2-2345-4bcd-8ef0-123456789abc';
      const answer = await gateway.graphql(GET_BUDGET, { id: CONTOSO }, { 'X-Correlation-Id': id });
      expect(answer.headers['ms-correlationid']).toBe(id);
      expect(partnerCenterCalls()[0].headers['ms-correlationid']).toBe(id);
    });

    it('replaces an id that is not a GUID with a new one, the same upstream and back', async () => {
      const response = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
        headers: { 'MS-CorrelationId': 'not-a-guid;DROP' },
      });
      const id = response.headers['ms-correlationid'];
      expect(id).toMatch(GUID);
      expect(partnerCenterCalls()[0].headers['ms-correlationid']).toBe(id);
    });

    it('generates one when the caller sends none, different for each request', async () => {
      const first = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      const second = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      expect(first.headers['ms-correlationid']).toMatch(GUID);
      expect(first.headers['ms-correlationid']).not.toBe(second.headers['ms-correlationid']);
    });

    it('is on error responses too, in the header and in the body', async () => {
      const id = 'c5e1a6b3-3456-4cde-9f01-23456789abcd';
      const rest = await gateway.http.get('/v1/customers/not-a-guid/usagebudget', {
        headers: { 'MS-CorrelationId': id },
      });
      expect(rest.headers['ms-correlationid']).toBe(id);
      expect(rest.data.correlationId).toBe(id);
      const gql = await gateway.graphql(GET_BUDGET, { id: 'not-a-guid' }, { 'MS-CorrelationId': id });
      expect(gql.headers['ms-correlationid']).toBe(id);
      expect(gql.errors?.[0].extensions.correlationId).toBe(id);
    });

    it('is on a 404 for an unknown route', async () => {
      const response = await gateway.http.get('/nowhere');
      expect(response.status).toBe(404);
      expect(response.headers['ms-correlationid']).toMatch(GUID);
    });
  });
});
