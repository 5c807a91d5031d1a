import type { AxiosInstance } from 'axios';
import { startSandbox, type RunningSandbox } from '../../src';
import { appToken, budgetPath, form, PC_DEFAULT_SCOPE, sandboxHttp, tokenPath } from './support/sandbox-http';

const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const ADVENTURE_WORKS = 'c0000006-0000-4000-8000-000000000006';

describe('sandbox faults', () => {
  let sandbox: RunningSandbox;
  let http: AxiosInstance;
  let token: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    http = sandboxHttp(sandbox, 3000);
    token = await appToken(sandbox, http);
  });
  afterEach(() => sandbox.faults.clear());
  afterAll(() => sandbox.close());

  const get = (customerId = CONTOSO) =>
    http.get(budgetPath(customerId), { headers: { authorization: `Bearer ${token}` } });
  const requestToken = () =>
    http.post(
      tokenPath(sandbox),
      ...form({
        grant_type: 'client_credentials',
        client_id: sandbox.defaultClient.clientId,
        client_secret: sandbox.defaultClient.clientSecret,
        scope: PC_DEFAULT_SCOPE,
      }),
    );
  const statuses = async (n: number, call: () => Promise<{ status: number }>) => {
    const result: number[] = [];
    for (let i = 0; i < n; i++) result.push((await call()).status);
    return result;
  };

  describe('on Partner Center', () => {
    it("answers 429 with Partner Center's throttling body and Retry-After 1 by default", async () => {
      sandbox.faults.add({ kind: 'status', status: 429, count: 1 });
      const response = await get();
      expect(response.status).toBe(429);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.data).toEqual({
        statusCode: 429,
        message: 'Rate limit is exceeded. Try again in 1 seconds.',
      });
    });

    it('sends Retry-After as given, in seconds or as an HTTP date, or not at all', async () => {
      const date = new Date(Date.now() + 30_000).toUTCString();
      sandbox.faults.add({ kind: 'status', status: 429, retryAfter: '57', count: 1 });
      sandbox.faults.add({ kind: 'status', status: 429, retryAfter: date, count: 1 });
      sandbox.faults.add({ kind: 'status', status: 429, retryAfter: 'none', count: 1 });
      const [seconds, httpDate, none] = [await get(), await get(), await get()];
      expect(seconds.headers['retry-after']).toBe('57');
      expect(seconds.data.message).toBe('Rate limit is exceeded. Try again in 57 seconds.');
      expect(httpDate.headers['retry-after']).toBe(date);
      expect(none.status).toBe(429);
      expect(none.headers).not.toHaveProperty('retry-after');
    });

    it.each([500, 502, 503, 504])('answers %i with a Partner Center error body', async (status) => {
      sandbox.faults.add({ kind: 'status', status, count: 1 });
      const response = await get();
      expect(response.status).toBe(status);
      expect(response.data).toEqual({
        code: expect.anything(),
        description: expect.any(String),
        data: [],
        source: 'PartnerFD',
      });
    });

    it('uses the code, description or raw body a fault gives', async () => {
      sandbox.faults.add({
        kind: 'status',
        status: 503,
        code: 'ServiceUnavailable',
        description: 'down for maintenance',
        count: 1,
      });
      sandbox.faults.add({ kind: 'status', status: 502, body: '<html>bad gateway</html>', count: 1 });
      expect((await get()).data).toMatchObject({
        code: 'ServiceUnavailable',
        description: 'down for maintenance',
      });
      expect((await get()).data).toBe('<html>bad gateway</html>');
    });

    it('applies a counted fault to the next N requests only', async () => {
      sandbox.faults.add({ kind: 'status', status: 503, count: 2 });
      expect(await statuses(3, () => get())).toEqual([503, 503, 200]);
      expect(sandbox.faults.list()).toEqual([]);
    });

    it('applies a rate fault to exactly that share of requests', async () => {
      sandbox.faults.add({ kind: 'status', status: 500, rate: 0.5 });
      expect(await statuses(6, () => get())).toEqual([200, 500, 200, 500, 200, 500]);
    });

    it('applies a customer fault only to that customer, and a method fault only to that verb', async () => {
      sandbox.faults.add({ kind: 'status', status: 503, customerId: ADVENTURE_WORKS });
      sandbox.faults.add({ kind: 'status', status: 502, method: 'PATCH' });
      expect((await get(CONTOSO)).status).toBe(200);
      expect((await get(ADVENTURE_WORKS)).status).toBe(503);
      const patch = await http.patch(budgetPath(CONTOSO), '{"Amount":1}', {
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
      expect(patch.status).toBe(502);
    });

    it('echoes MS-CorrelationId on a fault response', async () => {
      sandbox.faults.add({ kind: 'status', status: 503, count: 1 });
      const response = await http.get(budgetPath(CONTOSO), {
        headers: {
          authorization: `Bearer ${token}`,
          'MS-CorrelationId': 'c0ffee00-0000-4000-8000-000000000000',
        },
      });
      expect(response.headers['ms-correlationid']).toBe('c0ffee00-0000-4000-8000-000000000000');
    });

    it('delays a response by the given latency, then answers normally', async () => {
      sandbox.faults.add({ kind: 'latency', latencyMs: 300, count: 1 });
      const started = Date.now();
      const response = await get();
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('answers a slow-answer GET with the budget as it was when the GET arrived, after the delay', async () => {
      sandbox.reset();
      sandbox.faults.add({ kind: 'slow-answer', latencyMs: 500, method: 'GET', count: 1 });
      const slow = get();
      const arrived = () => sandbox.requestLog.entries({ target: 'partner-center' }).length === 1;
      for (let i = 0; i < 200 && !arrived(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
      const patch = await http.patch(budgetPath(CONTOSO), '{"Amount":77}', {
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
      expect(patch.status).toBe(200);
      const answer = await slow;
      expect(answer.status).toBe(200);
      expect(answer.data.amount).toBe(100);
      expect(sandbox.requestLog.entries({ target: 'partner-center' })[0].fault).toBe('slow-answer:500ms');
      sandbox.reset(); // Contoso's budget back to 100 for the tests after this one
    });

    it('hangs a request until the client gives up', async () => {
      sandbox.faults.add({ kind: 'hang', count: 1 });
      await expect(
        http.get(budgetPath(CONTOSO), { headers: { authorization: `Bearer ${token}` }, timeout: 300 }),
      ).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      const logged = sandbox.requestLog.entries({ target: 'partner-center' }).at(-1);
      expect(logged?.fault).toBe('hang');
      expect(logged?.status).toBeUndefined();
    });

    it('resets the connection', async () => {
      sandbox.faults.add({ kind: 'reset', count: 1 });
      await expect(get()).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE/) });
      expect((await get()).status).toBe(200);
    });
  });

  describe('on the token endpoint', () => {
    it('answers 429 with an Entra error and Retry-After', async () => {
      sandbox.faults.add({ target: 'token', kind: 'status', status: 429, retryAfter: '5', count: 1 });
      const response = await requestToken();
      expect(response.status).toBe(429);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.data).toMatchObject({
        error: 'temporarily_unavailable',
        error_codes: [expect.any(Number)],
        trace_id: expect.any(String),
      });
    });

    it('answers 5xx with an Entra error, for the next N requests', async () => {
      sandbox.faults.add({ target: 'token', kind: 'status', status: 500, count: 2 });
      expect(await statuses(3, requestToken)).toEqual([500, 500, 200]);
    });

    it('applies a rate fault to its share of token requests', async () => {
      sandbox.faults.add({ target: 'token', kind: 'status', status: 503, rate: 1 / 3 });
      expect(await statuses(6, requestToken)).toEqual([200, 200, 503, 200, 200, 503]);
    });

    it('delays, hangs and resets token requests', async () => {
      sandbox.faults.add({ target: 'token', kind: 'latency', latencyMs: 200, count: 1 });
      sandbox.faults.add({ target: 'token', kind: 'hang', count: 1 });
      sandbox.faults.add({ target: 'token', kind: 'reset', count: 1 });
      const started = Date.now();
      expect((await requestToken()).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      await expect(http.post(tokenPath(sandbox), 'grant_type=x', { timeout: 300 })).rejects.toMatchObject({
        code: 'ETIMEDOUT',
      });
      await expect(requestToken()).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE/) });
    });

    it('leaves Partner Center alone', async () => {
      sandbox.faults.add({ target: 'token', kind: 'status', status: 503 });
      expect((await get()).status).toBe(200);
    });
  });

  it('accepts faults at start', async () => {
    const faulty = await startSandbox({ quiet: true, faults: [{ kind: 'status', status: 503, count: 1 }] });
    try {
      const client = sandboxHttp(faulty, 3000);
      const faultyToken = await appToken(faulty, client);
      const call = () =>
        client.get(budgetPath(CONTOSO), { headers: { authorization: `Bearer ${faultyToken}` } });
      expect([(await call()).status, (await call()).status]).toEqual([503, 200]);
    } finally {
      await faulty.close();
    }
  });

  it('rejects an invalid fault spec', () => {
    expect(() => sandbox.faults.add({ kind: 'status' } as never)).toThrow(/status/);
  });

  it('closes promptly while a request hangs', async () => {
    const hanging = await startSandbox({ quiet: true, faults: [{ kind: 'hang' }] });
    const client = sandboxHttp(hanging, 10_000);
    const pending = client.get(budgetPath(CONTOSO)).catch((e: unknown) => e);
    for (let i = 0; i < 50 && hanging.requestLog.entries({ target: 'partner-center' }).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await hanging.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toMatchObject({
      code: expect.stringMatching(/ECONNRESET|ERR_BAD_RESPONSE|ECONNABORTED/),
    });
  });
});
