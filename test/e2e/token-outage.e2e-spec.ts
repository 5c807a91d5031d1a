import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, GET_BUDGET } from './support/ids';

const path = `/v1/customers/${CONTOSO}/usagebudget`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Issue 10, point 1: a token endpoint outage is absorbed by the token held, and recovered from within seconds. */
describe('token endpoint outages', () => {
  let gateway: TestGateway;

  afterEach(async () => {
    await gateway?.close();
  });

  it('an outage shorter than the held token’s remaining life causes no failed call', async () => {
    // 8-second tokens: renewal is due after about 4 s, so the outage below hits the renewals, not the calls.
    gateway = await startGateway({ sandboxOptions: { tokenLifetimeSeconds: 8 } });
    expect((await gateway.http.get(path)).status).toBe(200);
    gateway.sandbox.faults.add({ target: 'token', kind: 'status', status: 503 });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      statuses.push((await gateway.http.get(path)).status);
      await sleep(200); // 5 s of calls, the last ones after the renewal was due
    }
    gateway.sandbox.faults.clear();
    for (let i = 0; i < 15; i++) {
      statuses.push((await gateway.http.get(path)).status);
      await sleep(200); // past the first token's expiry: served by the renewed one
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(gateway.sandbox.tokenRequests()).toBeGreaterThan(2); // renewals were tried during the outage, and one succeeded
  });

  it('with no token held, fails fast with the entra-id source, spares the endpoint, and recovers within seconds', async () => {
    gateway = await startGateway();
    gateway.sandbox.faults.add({ target: 'token', kind: 'status', status: 503 });
    const failures = await Promise.all(Array.from({ length: 20 }, () => gateway.http.get(path)));
    for (const failure of failures) {
      expect(failure.status).toBe(503);
      expect(failure.data).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        partnerCenter: { source: 'entra-id' },
      });
    }
    // 20 callers, each with up to 4 attempts, share renewals and back off: far fewer than 80 token requests.
    expect(gateway.sandbox.tokenRequests()).toBeLessThanOrEqual(8);
    expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toHaveLength(0);

    gateway.sandbox.faults.clear();
    const recoveredAt = Date.now();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await gateway.http.get(path)).status;
      if (status !== 200) await sleep(100);
    }
    expect(status).toBe(200);
    // Not MSAL's 60-second replay of the 503: a fresh token within seconds of the endpoint coming back.
    expect(Date.now() - recoveredAt).toBeLessThan(5_000);
  });

  it('refuses a change while no token can be had as not applied, saying when the gateway asks Entra ID again', async () => {
    gateway = await startGateway();
    gateway.sandbox.faults.add({ target: 'token', kind: 'status', status: 503 });
    const rest = await gateway.http.patch(path, { amount: 17 });
    expect(rest.status).toBe(503);
    expect(rest.data).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', partnerCenter: { source: 'entra-id' } });
    // The gateway fails calls fast until its next token request: a caller retrying sooner meets the same refusal.
    expect(Number(rest.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(rest.data.retryAfterSeconds).toBe(Number(rest.headers['retry-after']));
    expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toHaveLength(0);
  });

  it("waits out Entra ID's throttling (429, Retry-After: 2) within the call, asking again exactly once", async () => {
    gateway = await startGateway();
    gateway.sandbox.faults.add({ target: 'token', kind: 'status', status: 429, retryAfter: '2', count: 1 });
    const response = await gateway.http.get(path);
    expect(response.status).toBe(200);
    expect(gateway.sandbox.tokenRequests()).toBe(2);
  });

  it("answers a longer Entra ID throttling with RATE_LIMITED and Entra ID's Retry-After, REST and GraphQL", async () => {
    gateway = await startGateway();
    gateway.sandbox.faults.add({ target: 'token', kind: 'status', status: 429, retryAfter: '120' });
    const rest = await gateway.http.get(path);
    expect(rest.status).toBe(429);
    expect(rest.data).toMatchObject({ code: 'RATE_LIMITED', partnerCenter: { source: 'entra-id' } });
    const waitSeconds = Number(rest.headers['retry-after']);
    expect(waitSeconds).toBeGreaterThan(100);
    expect(waitSeconds).toBeLessThanOrEqual(120);
    const graphql = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
    expect(graphql.errors?.[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: expect.any(Number),
    });
    // Not asked again while the wait runs.
    expect(gateway.sandbox.tokenRequests()).toBe(1);
  });
});
