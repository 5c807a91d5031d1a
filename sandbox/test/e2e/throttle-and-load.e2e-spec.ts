import { Agent } from 'node:https';
import type { AxiosInstance } from 'axios';
import { extraCustomerAmount, extraCustomerId, startSandbox, type RunningSandbox } from '../../src';
import { appToken, budgetPath, sandboxHttp } from './support/sandbox-http';

const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const FABRIKAM = 'c0000002-0000-4000-8000-000000000002';
const RATE_LIMIT_BODY = /^Rate limit is exceeded\. Try again in \d+ seconds\.$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sandbox under load: throttle, extra customers, in-flight count, bounded log', () => {
  let sandbox: RunningSandbox;
  let http: AxiosInstance;
  let token: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true, extraCustomers: 1200, requestLogLimit: 50 });
    http = sandboxHttp(sandbox, 5000);
    token = await appToken(sandbox, http);
  });
  beforeEach(() => {
    sandbox.throttle.clear();
    sandbox.faults.clear();
    sandbox.reset();
  });
  afterAll(() => sandbox.close());

  const read = (customerId: string, client = http) =>
    client.get(budgetPath(customerId), { headers: { authorization: `Bearer ${token}` } });

  describe('throttle', () => {
    it('answers 429 with Retry-After and Partner Center body past the per-customer limit, other customers unaffected', async () => {
      sandbox.throttle.set({ windowMs: 60_000, perCustomer: 2 });
      expect((await read(CONTOSO)).status).toBe(200);
      expect((await read(CONTOSO)).status).toBe(200);
      const throttled = await read(CONTOSO);
      expect(throttled.status).toBe(429);
      const retryAfter = Number(throttled.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(throttled.data).toEqual({
        statusCode: 429,
        message: `Rate limit is exceeded. Try again in ${retryAfter} seconds.`,
      });
      expect((await read(FABRIKAM)).status).toBe(200);
      expect(sandbox.stats().throttled).toBe(1);
    });

    it('limits the partner across customers', async () => {
      sandbox.throttle.set({ windowMs: 60_000, perPartner: 3 });
      const statuses = [];
      for (const id of [CONTOSO, FABRIKAM, extraCustomerId(1), extraCustomerId(2)])
        statuses.push((await read(id)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect((await read(extraCustomerId(2))).data.message).toMatch(RATE_LIMIT_BODY);
      expect(sandbox.stats().throttled).toBe(2);
    });

    it('lets requests through again once the window has ended', async () => {
      sandbox.throttle.set({ windowMs: 300, perPartner: 1 });
      expect((await read(CONTOSO)).status).toBe(200);
      const throttled = await read(CONTOSO);
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toBe('1');
      await sleep(350);
      expect((await read(CONTOSO)).status).toBe(200);
    });

    it('is set, read and cleared through /_sandbox/throttle, reported in stats, and kept over a reset', async () => {
      const put = await http.put('/_sandbox/throttle', { windowMs: 60_000, perPartner: 1 });
      expect(put.status).toBe(200);
      expect((await http.get('/_sandbox/throttle')).data).toEqual({ windowMs: 60_000, perPartner: 1 });
      await read(CONTOSO);
      expect((await read(CONTOSO)).status).toBe(429);
      expect((await http.get('/_sandbox/stats')).data).toMatchObject({
        throttled: 1,
        throttle: { windowMs: 60_000, perPartner: 1 },
      });

      expect((await http.post('/_sandbox/reset')).status).toBe(204);
      expect((await http.get('/_sandbox/stats')).data).toMatchObject({
        throttled: 0,
        throttle: { perPartner: 1 },
      });
      expect((await read(CONTOSO)).status).toBe(200);
      expect((await read(CONTOSO)).status).toBe(429);

      expect((await http.delete('/_sandbox/throttle')).status).toBe(204);
      expect((await read(CONTOSO)).status).toBe(200);
      expect((await http.get('/_sandbox/stats')).data.throttle).toBeNull();
    });

    it('refuses a throttle setting without a limit', async () => {
      const response = await http.put('/_sandbox/throttle', { windowMs: 1000 });
      expect(response.status).toBe(400);
      expect(response.data.error).toMatch(/perPartner, perCustomer/);
      expect(sandbox.throttle.get()).toBeUndefined();
    });

    it('checks the token before throttling: an unauthenticated call uses none of the window', async () => {
      sandbox.throttle.set({ windowMs: 60_000, perPartner: 1 });
      expect((await http.get(budgetPath(CONTOSO))).status).toBe(401);
      expect((await read(CONTOSO)).status).toBe(200);
    });
  });

  describe('extra customers', () => {
    it('are listed with deterministic ids and answer their own budgets', async () => {
      expect(sandbox.customers).toHaveLength(6 + 1200);
      expect(sandbox.customers[6]).toMatchObject({
        id: 'd0000000-0000-4000-8000-000000000001',
        amount: 1001,
      });
      expect(sandbox.customers.at(-1)?.id).toBe('d0000000-0000-4000-8000-0000000004b0');
      for (const index of [1, 600, 1200]) {
        const response = await read(extraCustomerId(index));
        expect(response.status).toBe(200);
        expect(response.data).toMatchObject({ amount: extraCustomerAmount(index) });
      }
      expect(new Set(sandbox.customers.map((c) => c.id)).size).toBe(1206);
    });
  });

  describe('in flight', () => {
    /**
     * A request is counted out when its response closes, which the server sees a moment after the client has read
     * the whole answer: wait for that (bounded) before reading the gauge.
     */
    const untilNoneInFlight = async () => {
      for (let i = 0; i < 40 && sandbox.stats().inFlight > 0; i++) await sleep(25);
    };

    it('reports the Partner Center requests in flight now and at peak; the peak is reset on demand', async () => {
      const agent = new Agent({ ca: sandbox.caCertPem, keepAlive: true, maxSockets: 20 });
      const parallel = sandboxHttp(sandbox, 5000);
      parallel.defaults.httpsAgent = agent;
      try {
        sandbox.faults.add({ kind: 'latency', latencyMs: 1000 });
        const reads = Array.from({ length: 7 }, (_, i) => read(extraCustomerId(i + 1), parallel));
        for (let i = 0; i < 40 && sandbox.stats().inFlight < 7; i++) await sleep(20);
        expect(sandbox.stats()).toMatchObject({ inFlight: 7, inFlightPeak: 7 });
        expect((await Promise.all(reads)).map((r) => r.status)).toEqual(Array(7).fill(200));
        await untilNoneInFlight();
        expect(sandbox.stats()).toMatchObject({ inFlight: 0, inFlightPeak: 7 });

        expect((await http.delete('/_sandbox/in-flight-peak')).status).toBe(204);
        expect(sandbox.stats().inFlightPeak).toBe(0);
        await Promise.all([read(CONTOSO, parallel), read(FABRIKAM, parallel)]);
        await untilNoneInFlight();
        expect(sandbox.stats().inFlightPeak).toBe(2);
        sandbox.resetInFlightPeak();
        expect(sandbox.stats().inFlightPeak).toBe(0);
      } finally {
        agent.destroy();
      }
    });

    it('counts a hung request in flight until its connection closes', async () => {
      sandbox.faults.add({ kind: 'hang', count: 1 });
      const hung = sandboxHttp(sandbox, 200);
      await expect(read(CONTOSO, hung))
        .resolves.toBeDefined()
        .catch(() => undefined);
      await untilNoneInFlight();
      expect(sandbox.stats()).toMatchObject({ inFlight: 0, inFlightPeak: 1 });
    });
  });

  describe('bounded request log', () => {
    it('keeps the latest entries while requests, token requests and per-target counts stay exact', async () => {
      await appToken(sandbox, http);
      for (let i = 1; i <= 80; i++) await read(extraCustomerId(i));
      const entries = sandbox.requestLog.entries();
      expect(entries).toHaveLength(50);
      expect(entries.at(-1)?.path).toBe(budgetPath(extraCustomerId(80)));
      const stats = (await http.get('/_sandbox/stats')).data;
      expect(stats).toMatchObject({
        tokenRequests: 1,
        requests: 82,
        requestsByTarget: { 'partner-center': 80, token: 1, admin: 1, metadata: 0, other: 0 },
      });
    });
  });
});
