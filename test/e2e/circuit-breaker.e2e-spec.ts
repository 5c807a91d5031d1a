import { setTimeout as sleep } from 'node:timers/promises';
import {
  CircuitView,
  ENTRA_ID_CIRCUIT,
  PARTNER_CENTER_CIRCUIT,
} from '../../src/partner-center/pipeline/circuit-breaker.policy';
import { startGateway, TestGateway } from './support/gateway';
import { ADVENTURE_WORKS, CONTOSO, GET_BUDGET, TAILSPIN_EMPTY_404, UNKNOWN_CUSTOMER } from './support/ids';

/** Issue 10, point 2: a breaker per upstream and a bulkhead, against the sandbox over real HTTPS and MSAL. */
describe('circuit breaker', () => {
  let gateway: TestGateway;
  const budget = (id = CONTOSO) => gateway.http.get(`/v1/customers/${id}/usagebudget`);
  const upstreamCalls = () => gateway.sandbox.requestLog.entries({ target: 'partner-center' }).length;
  const circuit = (token: symbol) => gateway.app.get<CircuitView>(token);

  afterEach(() => gateway?.close());

  async function start(env: Record<string, string> = {}): Promise<void> {
    gateway = await startGateway({
      env: { PARTNER_CENTER_CIRCUIT_FAILURE_THRESHOLD: '3', PARTNER_CENTER_CIRCUIT_BREAK_MS: '1500', ...env },
      retry: { maxAttempts: 1 },
    });
    expect((await budget()).status).toBe(200); // a token is held: Entra ID is out of the picture
    gateway.sandbox.requestLog.clear();
  }

  it('opens after the threshold of failed calls and answers at once, without calling Partner Center', async () => {
    await start();
    gateway.sandbox.faults.add({ kind: 'status', status: 503 });
    for (let i = 0; i < 3; i += 1) expect((await budget()).status).toBe(503);
    expect(circuit(PARTNER_CENTER_CIRCUIT).state()).toBe('open');

    const refused = await budget();
    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(2);
    expect(refused.data).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      partnerCenter: { source: 'partner-center' },
    });
    const graphql = await gateway.graphql(GET_BUDGET, { id: CONTOSO });
    expect(graphql.errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      partnerCenter: { source: 'partner-center' },
    });
    expect(graphql.errors?.[0].extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(upstreamCalls()).toBe(3);
  });

  it('lets a probe through once half-open and closes on its success', async () => {
    await start();
    gateway.sandbox.faults.add({ kind: 'status', status: 500 });
    for (let i = 0; i < 3; i += 1) await budget();
    const refused = await budget();
    expect(refused.status).toBe(503);
    gateway.sandbox.faults.clear();

    await sleep(Number(refused.headers['retry-after']) * 1000 + 100);
    expect(circuit(PARTNER_CENTER_CIRCUIT).state()).toBe('half-open');
    expect((await budget()).status).toBe(200);
    expect(circuit(PARTNER_CENTER_CIRCUIT).state()).toBe('closed');
    expect((await budget()).status).toBe(200);
    expect(upstreamCalls()).toBe(5);
  });

  it('reopens when the half-open probe fails', async () => {
    await start();
    gateway.sandbox.faults.add({ kind: 'status', status: 502 });
    for (let i = 0; i < 3; i += 1) await budget();
    await sleep(1_600);
    expect((await budget()).status).toBe(503); // the probe's own 502, mapped
    expect(circuit(PARTNER_CENTER_CIRCUIT).state()).toBe('open');
    expect(upstreamCalls()).toBe(4);
  });

  it('never opens on 404s or 429s: one missing customer does not cut off the others', async () => {
    await start();
    for (let i = 0; i < 6; i += 1) expect((await budget(TAILSPIN_EMPTY_404)).status).toBe(404);
    for (let i = 0; i < 6; i += 1) expect((await budget(UNKNOWN_CUSTOMER)).status).toBe(404);
    gateway.sandbox.faults.add({
      kind: 'status',
      status: 429,
      retryAfter: '60',
      customerId: CONTOSO,
      count: 1,
    });
    for (let i = 0; i < 6; i += 1) expect((await budget()).status).toBe(429);
    expect(circuit(PARTNER_CENTER_CIRCUIT).state()).toBe('closed');
    // The throttle gate keeps that customer paused for its Retry-After; another customer is answered.
    expect((await budget(ADVENTURE_WORKS)).status).toBe(200);
  });

  it('opens on calls that get no answer (resets)', async () => {
    await start();
    gateway.sandbox.faults.add({ kind: 'reset' });
    for (let i = 0; i < 3; i += 1) expect((await budget()).status).toBe(503);
    expect(circuit(PARTNER_CENTER_CIRCUIT).state()).toBe('open');
    expect((await budget()).headers['retry-after']).toBeDefined();
    expect(upstreamCalls()).toBe(3);
  });

  it('breaks Entra ID apart: a token endpoint that keeps failing stops being asked', async () => {
    gateway = await startGateway({
      env: { PARTNER_CENTER_CIRCUIT_FAILURE_THRESHOLD: '2', PARTNER_CENTER_CIRCUIT_BREAK_MS: '1500' },
      retry: { maxAttempts: 1 },
    });
    gateway.sandbox.faults.add({ target: 'token', kind: 'status', status: 503 });
    const answers = [];
    for (let i = 0; i < 6 && circuit(ENTRA_ID_CIRCUIT).state() !== 'open'; i += 1) {
      answers.push(await budget());
      await sleep(300); // past the token cycler's own backoff, so each call reaches the breaker
    }
    expect(circuit(ENTRA_ID_CIRCUIT).state()).toBe('open');
    expect(answers.every((a) => a.status === 503)).toBe(true);
    const tokenRequests = gateway.sandbox.tokenRequests();
    await sleep(600); // past the cycler's backoff again: the call meets the open breaker, not the last failure

    const refused = await budget();
    expect(refused.status).toBe(503);
    expect(refused.data).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      partnerCenter: { source: 'entra-id' },
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(gateway.sandbox.tokenRequests()).toBe(tokenRequests);
    expect(circuit(PARTNER_CENTER_CIRCUIT).state()).toBe('closed');
    expect(upstreamCalls()).toBe(0);

    gateway.sandbox.faults.clear();
    await sleep(Number(refused.headers['retry-after']) * 1000 + 100);
    expect((await budget()).status).toBe(200);
    expect(circuit(ENTRA_ID_CIRCUIT).state()).toBe('closed');
  });
});

describe('bulkhead', () => {
  let gateway: TestGateway;
  afterEach(() => gateway?.close());

  it('keeps at most the limit in flight at Partner Center and refuses beyond the queue at once', async () => {
    gateway = await startGateway({
      env: {
        PARTNER_CENTER_MAX_CONCURRENT_CALLS: '3',
        PARTNER_CENTER_MAX_QUEUED_CALLS: '2',
        PARTNER_CENTER_CIRCUIT_FAILURE_THRESHOLD: '100',
      },
      sandboxOptions: { extraCustomers: 9 },
      retry: { maxAttempts: 1, attemptTimeoutMs: 1_500, deadlineMs: 1_500 },
    });
    expect((await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`)).status).toBe(200);
    gateway.sandbox.requestLog.clear();
    gateway.sandbox.faults.add({ kind: 'hang' });

    // Nine different customers, so that coalescing does not merge the reads into one call.
    const customers = gateway.sandbox.customers.filter((c) => c.id.startsWith('d0000000')).slice(0, 9);
    const calls = customers.map((c) =>
      gateway.http.get(`/v1/customers/${c.id}/usagebudget`).then((r) => ({ r, at: Date.now() })),
    );
    const inFlight = () => gateway.sandbox.requestLog.entries({ target: 'partner-center' }).length;
    for (let i = 0; i < 50 && inFlight() < 3; i += 1) await sleep(50);
    await sleep(300); // the three admitted calls hang (1.5 s attempt timeout); nothing else may get through meanwhile
    const seenWhileHanging = inFlight();
    const answers = await Promise.all(calls);

    expect(seenWhileHanging).toBe(3);
    const refused = answers.filter(({ r }) => r.status === 503);
    expect(refused).toHaveLength(4); // 9 - 3 in flight - 2 queued
    for (const { r } of refused) {
      expect(r.headers['retry-after']).toBe('1');
      expect(r.data).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        partnerCenter: { source: 'partner-center' },
      });
    }
    const timedOut = answers.filter(({ r }) => r.status === 504);
    expect(timedOut).toHaveLength(5);
    // Refused at once: before even the first admitted call ran into its upstream timeout.
    expect(Math.max(...refused.map(({ at }) => at))).toBeLessThan(Math.min(...timedOut.map(({ at }) => at)));
    expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toHaveLength(5);
  });
});
