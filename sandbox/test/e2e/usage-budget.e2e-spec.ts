import { randomUUID } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { SignJWT, decodeJwt } from 'jose';
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { startSandbox, type RunningSandbox } from '../../src';
import { appToken, budgetPath, sandboxHttp } from './support/sandbox-http';

const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const FABRIKAM_NO_BUDGET = 'c0000002-0000-4000-8000-000000000002';
const NORTHWIND_NO_USAGE_SPENDING_BUDGET = 'c0000003-0000-4000-8000-000000000003';
const TAILSPIN_EMPTY_404 = 'c0000004-0000-4000-8000-000000000004';
const WOODGROVE_403 = 'c0000005-0000-4000-8000-000000000005';
const UNKNOWN = 'd0000000-0000-4000-8000-00000000dead';

describe('sandbox Partner Center usage budget', () => {
  let sandbox: RunningSandbox;
  let http: AxiosInstance;
  let token: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    http = sandboxHttp(sandbox);
  });
  beforeEach(async () => {
    sandbox.reset();
    token = await appToken(sandbox, http);
  });
  afterAll(() => sandbox.close());

  const auth = (headers: Record<string, string> = {}) => ({
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  const patch = (customerId: string, body: string, headers: Record<string, string> = {}) =>
    http.patch(budgetPath(customerId), body, auth({ 'content-type': 'application/json', ...headers }));

  describe('reading', () => {
    it('returns the SpendingBudget in camelCase with its self link', async () => {
      const response = await http.get(budgetPath(CONTOSO), auth());
      expect(response.status).toBe(200);
      expect(response.data).toEqual({
        amount: 100,
        usageSpendingBudget: 100,
        attributes: { objectType: 'SpendingBudget' },
        links: { self: { uri: `/v1/customers/${CONTOSO}/usagebudget`, method: 'GET', headers: [] } },
      });
    });

    it('returns amount null for a customer without a budget', async () => {
      expect((await http.get(budgetPath(FABRIKAM_NO_BUDGET), auth())).data.amount).toBeNull();
    });

    it('omits usageSpendingBudget for the customer seeded without it', async () => {
      const response = await http.get(budgetPath(NORTHWIND_NO_USAGE_SPENDING_BUDGET), auth());
      expect(response.data).not.toHaveProperty('usageSpendingBudget');
      expect(response.data.amount).toBe(250.5);
    });
  });

  describe('bearer token', () => {
    it('answers a missing token with 401 code 800001', async () => {
      const response = await http.get(budgetPath(CONTOSO));
      expect(response.status).toBe(401);
      expect(response.data).toEqual({
        code: 800001,
        description: 'Partner token missing',
        data: [],
        source: 'PartnerFD',
      });
    });

    it('answers a caller token (wrong audience) with 401', async () => {
      const callerToken = await sandbox.issueCallerToken({});
      const response = await http.get(budgetPath(CONTOSO), {
        headers: { authorization: `Bearer ${callerToken}` },
      });
      expect(response.status).toBe(401);
      expect(response.data).toMatchObject({
        source: 'PartnerFD',
        description: expect.stringContaining("'aud'"),
      });
    });

    it('answers a token signed by another key with 401', async () => {
      const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
      const forged = await new SignJWT(decodeJwt(token))
        .setProtectedHeader({ alg: 'RS256', kid: 'forged' })
        .sign(privateKey);
      const response = await http.get(budgetPath(CONTOSO), {
        headers: { authorization: `Bearer ${forged}` },
      });
      expect(response.status).toBe(401);
      expect(response.data.description).toMatch(/signature/);
    });

    it('answers an expired token with 401', async () => {
      const expiring = await startSandbox({ quiet: true, tokenLifetimeSeconds: -60 });
      try {
        const expired = await appToken(expiring, sandboxHttp(expiring));
        const response = await sandboxHttp(expiring).get(budgetPath(CONTOSO), {
          headers: { authorization: `Bearer ${expired}` },
        });
        expect(response.status).toBe(401);
        expect(response.data.description).toMatch(/expired/);
      } finally {
        await expiring.close();
      }
    });

    it('answers 401 to a token it accepted before, once that token has expired', async () => {
      // The sandbox remembers verified tokens (verified-tokens.ts); expiry is still checked on every call.
      const shortLived = await startSandbox({ quiet: true, tokenLifetimeSeconds: 1 });
      try {
        const client = sandboxHttp(shortLived);
        const expiring = await appToken(shortLived, client);
        const call = () =>
          client.get(budgetPath(CONTOSO), { headers: { authorization: `Bearer ${expiring}` } });
        expect((await call()).status).toBe(200);
        const { exp } = decodeJwt(expiring);
        // Bounded: the token lives one second; wait until the clock is past its exp.
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, (exp ?? 0) * 1000 - Date.now()) + 50));
        const response = await call();
        expect(response.status).toBe(401);
        expect(response.data.description).toMatch(/expired/);
      } finally {
        await shortLived.close();
      }
    });

    it('answers 401 to an altered copy of a token it accepted before', async () => {
      expect((await http.get(budgetPath(CONTOSO), auth())).status).toBe(200);
      const [header, payload, signature] = token.split('.');
      const claims = { ...decodeJwt(token), tid: randomUUID() };
      const altered = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join(
        '.',
      );
      expect(payload).not.toBe(altered.split('.')[1]);
      const response = await http.get(budgetPath(CONTOSO), {
        headers: { authorization: `Bearer ${altered}` },
      });
      expect(response.status).toBe(401);
      expect(response.data.description).toMatch(/signature/);
    });

    it('answers a revoked token with 401 and accepts a freshly issued one', async () => {
      sandbox.revokeTokens();
      expect((await http.get(budgetPath(CONTOSO), auth())).status).toBe(401);
      token = await appToken(sandbox, http);
      expect((await http.get(budgetPath(CONTOSO), auth())).status).toBe(200);
    });

    it('checks the token before the customer id', async () => {
      expect((await http.get(budgetPath('not-a-guid'))).status).toBe(401);
    });
  });

  describe('validation', () => {
    it('answers a non-GUID customer id with 400 code 2000', async () => {
      const response = await http.get(budgetPath('contoso'), auth());
      expect(response.status).toBe(400);
      expect(response.data).toEqual({
        code: 2000,
        description: 'Tenant Id must be a GUID',
        data: [],
        source: 'PartnerFD',
      });
    });

    it.each([
      ['PascalCase', '{"Amount": 42, "Attributes": {"ObjectType": "SpendingBudget"}}'],
      ['camelCase', '{"amount": 42, "attributes": {"objectType": "SpendingBudget"}}'],
      ['mixed case', '{"AMOUNT": 42}'],
    ])('reads %s property names', async (_name, body) => {
      const response = await patch(CONTOSO, body);
      expect(response.status).toBe(200);
      expect(response.data.amount).toBe(42);
    });

    it.each([
      ['a negative amount', '{"Amount": -1}'],
      ['a string amount', '{"Amount": "100"}'],
      ['a null amount', '{"Amount": null}'],
      ['no amount', '{"Attributes": {"ObjectType": "SpendingBudget"}}'],
      ['malformed JSON', '{"Amount": '],
      ['a JSON array', '[100]'],
      ['a wrong object type', '{"Amount": 1, "Attributes": {"ObjectType": "Invoice"}}'],
    ])('answers %s with 400 code 2001', async (_name, body) => {
      const response = await patch(CONTOSO, body);
      expect(response.status).toBe(400);
      expect(response.data).toMatchObject({ code: 2001, source: 'PartnerFD', data: [] });
    });

    it('persists an update, readable afterwards', async () => {
      await patch(CONTOSO, '{"Amount": 77.25}');
      expect((await http.get(budgetPath(CONTOSO), auth())).data).toMatchObject({
        amount: 77.25,
        usageSpendingBudget: 77.25,
      });
    });
  });

  describe('customers that cannot be served', () => {
    it('answers an unknown customer with 404 code 60003', async () => {
      const response = await http.get(budgetPath(UNKNOWN), auth());
      expect(response.status).toBe(404);
      expect(response.data).toMatchObject({ code: 60003, source: 'PartnerFD', data: [] });
    });

    it('answers the empty-404 customer with 404 and an empty body', async () => {
      const response = await http.get(budgetPath(TAILSPIN_EMPTY_404), { ...auth(), responseType: 'text' });
      expect(response.status).toBe(404);
      expect(response.data).toBe('');
    });

    it('answers the customer without commerce relationship with 403 code 20002', async () => {
      const response = await patch(WOODGROVE_403, '{"Amount": 1}');
      expect(response.status).toBe(403);
      expect(response.data).toMatchObject({ code: 20002, source: 'PartnerFD' });
    });
  });

  describe('headers and protocol', () => {
    it.each([
      ['a success', CONTOSO, true],
      ['an error', UNKNOWN, true],
      ['a missing token', CONTOSO, false],
    ])('echoes MS-CorrelationId on %s', async (_name, customerId, withToken) => {
      const correlationId = randomUUID();
      const headers = withToken
        ? auth({ 'MS-CorrelationId': correlationId }).headers
        : { 'MS-CorrelationId': correlationId };
      const response = await http.get(budgetPath(customerId), { headers });
      expect(response.headers['ms-correlationid']).toBe(correlationId);
    });

    it('answers an unknown path with 404 and a wrong method with 405', async () => {
      expect((await http.get('/v1/customers', auth())).status).toBe(404);
      const response = await http.delete(budgetPath(CONTOSO), auth());
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('GET, PATCH');
    });
  });

  describe('idempotency by MS-RequestId', () => {
    it('applies a repeated PATCH once and replays its response', async () => {
      const requestId = randomUUID();
      const first = await patch(CONTOSO, '{"Amount": 10}', { 'MS-RequestId': requestId });
      await patch(CONTOSO, '{"Amount": 20}', { 'MS-RequestId': randomUUID() });
      const retry = await patch(CONTOSO, '{"Amount": 10}', { 'MS-RequestId': requestId });
      expect(retry.status).toBe(200);
      expect(retry.data).toEqual(first.data);
      expect((await http.get(budgetPath(CONTOSO), auth())).data.amount).toBe(20);
    });

    it('applies PATCHes with different request ids each time', async () => {
      await patch(CONTOSO, '{"Amount": 10}', { 'MS-RequestId': randomUUID() });
      await patch(CONTOSO, '{"Amount": 11}', { 'MS-RequestId': randomUUID() });
      expect((await http.get(budgetPath(CONTOSO), auth())).data.amount).toBe(11);
    });
  });
});
