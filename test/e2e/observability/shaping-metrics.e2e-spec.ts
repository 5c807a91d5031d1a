import { startGateway, TestGateway } from '../support/gateway';
import { CONTOSO } from '../support/ids';

const path = `/v1/customers/${CONTOSO}/usagebudget`;

/** Issue 9, point 2 (as the shaping landed): coalesced and cached reads, gate waits, limits and circuits on /metrics. */
describe('metrics and readiness of the quota shaping', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  const metric = async (line: RegExp): Promise<number> => {
    const text = String((await gateway.http.get('/metrics')).data);
    const match = text.split('\n').find((l) => line.test(l));
    return match ? Number(match.split(' ').pop()) : 0;
  };

  it('counts reads by where their answer came from, and gate waits', async () => {
    gateway.sandbox.faults.add({ kind: 'latency', latencyMs: 300, count: 1 });
    await Promise.all(Array.from({ length: 10 }, () => gateway.http.get(path)));
    expect(await metric(/^gateway_budget_reads_total\{source="upstream"\}/)).toBe(1);
    expect(await metric(/^gateway_budget_reads_total\{source="coalesced"\}/)).toBe(9);

    gateway.sandbox.faults.add({ kind: 'status', status: 429, retryAfter: '1', count: 1 });
    const first = gateway.http.get(path);
    await new Promise((resolve) => setTimeout(resolve, 150));
    // A write is never coalesced with the read in flight: it meets the gate, paused by the 429.
    await gateway.http.patch(path, { amount: 5 });
    await first;
    expect(await metric(/^gateway_throttle_gate_wait_seconds_count /)).toBeGreaterThanOrEqual(1);
    expect(await metric(/^gateway_upstream_concurrency_limit /)).toBeGreaterThanOrEqual(2);
    expect(await metric(/^gateway_circuit_state\{upstream="partner-center"\}/)).toBe(0);
  });

  it('reports the circuits and the shared state in /readyz', async () => {
    const ready = await gateway.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.stringify(ready.data)).toContain('circuit closed');
    expect(JSON.stringify(ready.data)).toContain('memory');
  });
});
