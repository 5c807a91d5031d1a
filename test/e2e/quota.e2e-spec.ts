import { startGateway, TestGateway } from './support/gateway';
import {
  ADVENTURE_WORKS,
  CONTOSO,
  FABRIKAM_NO_BUDGET,
  GET_BUDGET,
  NORTHWIND_NO_USAGE,
  UNKNOWN_CUSTOMER,
  WOODGROVE_403,
} from './support/ids';

const path = (id: string) => `/v1/customers/${id}/usagebudget`;
const BATCH = 'query($ids: [ID!]!) { customerUsageBudgets(customerIds: $ids) { customerId amount } }';

/** Issue 7, part 2: the gateway shapes a partner's traffic so Partner Center's quota is spent once per answer. */
describe("spending Partner Center's quota", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ env: { USAGE_BUDGET_BATCH_MAX_IDS: '10' } });
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const budgetCalls = () => gateway.sandbox.requestLog.entries({ target: 'partner-center' });

  it('coalesces concurrent reads of one customer into one upstream call', async () => {
    gateway.sandbox.faults.add({ kind: 'latency', latencyMs: 300, count: 1 });
    const answers = await Promise.all([
      ...Array.from({ length: 15 }, () => gateway.http.get(path(CONTOSO))),
      ...Array.from({ length: 15 }, () => gateway.graphql(GET_BUDGET, { id: CONTOSO })),
    ]);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(budgetCalls()).toHaveLength(1);
  });

  it('does not coalesce a read that arrives after a write with the read before it', async () => {
    gateway.sandbox.faults.add({ kind: 'latency', latencyMs: 400, method: 'GET', count: 1 });
    const before = gateway.http.get(path(CONTOSO));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const write = await gateway.http.patch(path(CONTOSO), { amount: 901 });
    const after = await gateway.http.get(path(CONTOSO));
    expect(write.status).toBe(200);
    expect(after.data.amount).toBe(901);
    await before;
    // The read after the write went out on its own instead of joining the one in flight since before the write.
    expect(budgetCalls().map((c) => c.method)).toEqual(['GET', 'PATCH', 'GET']);
  });

  it('has no read cache by default: every sequential read asks Partner Center', async () => {
    await gateway.http.get(path(CONTOSO));
    const second = await gateway.http.get(path(CONTOSO));
    expect(budgetCalls()).toHaveLength(2);
    expect(second.headers['cache-control']).toBe('no-store');
    expect(second.headers['age']).toBeUndefined();
  });

  describe('the batched read', () => {
    it('reads many customers in one query, in order, each id once', async () => {
      const ids = [CONTOSO, ADVENTURE_WORKS, FABRIKAM_NO_BUDGET, CONTOSO, NORTHWIND_NO_USAGE];
      const answer = await gateway.graphql(BATCH, { ids });
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.customerUsageBudgets).toEqual([
        { customerId: CONTOSO, amount: 100 },
        { customerId: ADVENTURE_WORKS, amount: 1234.56 },
        { customerId: FABRIKAM_NO_BUDGET, amount: null },
        { customerId: CONTOSO, amount: 100 },
        { customerId: NORTHWIND_NO_USAGE, amount: 250.5 },
      ]);
      expect(budgetCalls()).toHaveLength(4);
    });

    it('answers each item for the id as asked at its position, a repeat in another letter case read once', async () => {
      const upper = CONTOSO.toUpperCase();
      const answer = await gateway.graphql(BATCH, { ids: [CONTOSO, upper, ADVENTURE_WORKS] });
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.customerUsageBudgets).toEqual([
        { customerId: CONTOSO, amount: 100 },
        { customerId: upper, amount: 100 },
        { customerId: ADVENTURE_WORKS, amount: 1234.56 },
      ]);
      expect(budgetCalls()).toHaveLength(2);
    });

    it('answers a failed customer as a null item with its own error, path and code; the others still answer', async () => {
      const answer = await gateway.graphql(BATCH, {
        ids: [CONTOSO, WOODGROVE_403, UNKNOWN_CUSTOMER, ADVENTURE_WORKS],
      });
      expect(answer.status).toBe(200);
      expect(answer.data?.customerUsageBudgets).toEqual([
        { customerId: CONTOSO, amount: 100 },
        null,
        null,
        { customerId: ADVENTURE_WORKS, amount: 1234.56 },
      ]);
      const byIndex = Object.fromEntries((answer.errors ?? []).map((e) => [e.path?.[1], e.extensions.code]));
      expect(byIndex).toEqual({ 1: 'FORBIDDEN', 2: 'NOT_FOUND' });
      expect(answer.errors?.every((e) => e.path?.[0] === 'customerUsageBudgets')).toBe(true);
    });

    it.each([
      ['an id that is not a GUID', [CONTOSO, 'contoso'], 'customerIds[1]'],
      [
        'more customers than allowed',
        Array.from({ length: 11 }, (_, i) => `d0000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`),
        'customerIds',
      ],
      ['no ids', [], 'customerIds'],
    ])('refuses %s before any upstream call', async (_case, ids, field) => {
      const answer = await gateway.graphql(BATCH, { ids });
      expect(answer.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(answer.errors?.[0].extensions)).toContain(field);
      expect(answer.data?.customerUsageBudgets ?? null).toBeNull();
      expect(budgetCalls()).toHaveLength(0);
    });

    it('counts the maximum in customers: a repeat, in any letter case, takes no place of its own', async () => {
      const ids = [
        ...Array.from({ length: 8 }, (_, i) => `d0000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`),
        CONTOSO,
        ADVENTURE_WORKS,
        CONTOSO.toUpperCase(),
        CONTOSO,
      ];
      const answer = await gateway.graphql(BATCH, { ids });
      expect(answer.data?.customerUsageBudgets).toHaveLength(12);
      expect(answer.data?.customerUsageBudgets[11]).toEqual({ customerId: CONTOSO, amount: 100 });
      expect(answer.errors?.find((e) => e.extensions.code === 'BAD_USER_INPUT')).toBeUndefined();
      expect(budgetCalls()).toHaveLength(10);
    });

    it('counts the maximum per request: aliases of the batch cannot multiply it', async () => {
      const ids = (n: number, from: number) =>
        Array.from({ length: n }, (_, i) => `d0000000-0000-4000-8000-${String(from + i).padStart(12, '0')}`);
      const twoBatches =
        'query($a: [ID!]!, $b: [ID!]!) { a: customerUsageBudgets(customerIds: $a) { customerId } ' +
        'b: customerUsageBudgets(customerIds: $b) { customerId } }';
      const over = await gateway.graphql(twoBatches, { a: ids(6, 1), b: ids(6, 7) });
      expect(over.status).toBe(400);
      expect(over.errors?.[0]).toMatchObject({ path: ['b'], extensions: { code: 'BAD_USER_INPUT' } });
      expect(over).not.toHaveProperty('data');
      expect(budgetCalls()).toHaveLength(0);
      // The same customers in both fields are read once: within the maximum.
      const same = await gateway.graphql(twoBatches, { a: [CONTOSO, ADVENTURE_WORKS], b: [CONTOSO] });
      expect(same.errors).toBeUndefined();
      expect(same.data?.a).toHaveLength(2);
    });
  });
});

describe('the read cache (USAGE_BUDGET_CACHE_TTL_MS)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ env: { USAGE_BUDGET_CACHE_TTL_MS: '60000' } });
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const budgetCalls = () => gateway.sandbox.requestLog.entries({ target: 'partner-center' });

  it('serves a repeated read from the cache, saying its age, and a write through the gateway invalidates it', async () => {
    const first = await gateway.http.get(path(ADVENTURE_WORKS));
    expect(first.headers['age']).toBe('0');
    expect(first.headers['cache-control']).toMatch(/^private, max-age=(59|60)$/);
    const second = await gateway.http.get(path(ADVENTURE_WORKS));
    const third = await gateway.graphql(GET_BUDGET, { id: ADVENTURE_WORKS });
    expect(second.data.amount).toBe(1234.56);
    expect(third.data?.customerUsageBudget.amount).toBe(1234.56);
    expect(budgetCalls()).toHaveLength(1);

    await gateway.http.patch(path(ADVENTURE_WORKS), { amount: 77 });
    const afterWrite = await gateway.http.get(path(ADVENTURE_WORKS));
    expect(afterWrite.data.amount).toBe(77);
    expect(budgetCalls().map((c) => c.method)).toEqual(['GET', 'PATCH', 'GET']);
  });

  it('states the whole TTL as max-age next to the Age, as an HTTP cache counts them (RFC 9111 §4.2)', async () => {
    await gateway.http.get(path(FABRIKAM_NO_BUDGET));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const cached = await gateway.http.get(path(FABRIKAM_NO_BUDGET));
    // Fresh while Age + time held < max-age: a max-age less the Age would have the client drop it twice as early.
    expect(cached.headers['age']).toBe('1');
    expect(cached.headers['cache-control']).toBe('private, max-age=60');
    expect(budgetCalls()).toHaveLength(1);
  });

  it('reads Partner Center again for a REST read that asks for no cached answer, and keeps that answer', async () => {
    await gateway.http.get(path(NORTHWIND_NO_USAGE));
    // Changed outside the gateway (in Partner Center's portal): the caller knows, and asks past the cache.
    const refreshed = await gateway.http.get(path(NORTHWIND_NO_USAGE), {
      headers: { 'cache-control': 'no-cache' },
    });
    expect(refreshed.headers['age']).toBe('0');
    const again = await gateway.http.get(path(NORTHWIND_NO_USAGE), {
      headers: { 'cache-control': 'max-age=0' },
    });
    expect(again.headers['age']).toBe('0');
    const later = await gateway.http.get(path(NORTHWIND_NO_USAGE));
    expect(later.data.amount).toBe(250.5);
    expect(budgetCalls()).toHaveLength(3);
  });

  it('gives the audit event the old amount from a fresh cached read, at no upstream cost', async () => {
    await gateway.http.get(path(CONTOSO));
    const before = gateway.logs().length;
    await gateway.http.patch(path(CONTOSO), { amount: 640 });
    const [event] = gateway
      .logs()
      .slice(before)
      .filter((line) => line.event === 'usage-budget.changed');
    expect(event.audit).toMatchObject({ oldAmount: 100, oldAmountKnown: true, newAmount: 640 });
    expect(budgetCalls().map((c) => c.method)).toEqual(['GET', 'PATCH']);
  });
});

describe('the throttle gate', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  it('pauses the other calls of a customer for the Retry-After of a 429 instead of letting each find it', async () => {
    // The first call meets a 429 asking for 2 s; five more calls for the same customer start just after.
    gateway.sandbox.faults.add({ kind: 'status', status: 429, retryAfter: '2', count: 1 });
    const first = gateway.http.get(path(CONTOSO));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = Date.now();
    const others = await Promise.all(
      Array.from({ length: 5 }, (_, i) => gateway.http.get(path(CONTOSO), { headers: { 'x-n': String(i) } })),
    );
    const waited = Date.now() - started;
    expect((await first).status).toBe(200);
    expect(others.every((o) => o.status === 200)).toBe(true);
    const calls = gateway.sandbox.requestLog.entries({ target: 'partner-center' });
    // One 429 in all: nobody else ran into it, they waited at the gate.
    expect(calls.filter((c) => c.status === 429)).toHaveLength(1);
    expect(waited).toBeGreaterThanOrEqual(1_500);
  });

  it("holds a retry that falls within the partner's pause until the pause ends, instead of sending it into the 429", async () => {
    gateway.sandbox.reset();
    // Northwind's first answer is a 503 asking to come back in 1 s; meanwhile two other customers are throttled for
    // 3 s together: the partner's limit, which pauses every customer's calls, Northwind's retry too.
    const faults = gateway.sandbox.faults;
    faults.add({ kind: 'status', status: 503, retryAfter: '1', customerId: NORTHWIND_NO_USAGE, count: 1 });
    faults.add({ kind: 'status', status: 429, retryAfter: '3', customerId: CONTOSO, count: 1 });
    faults.add({ kind: 'status', status: 429, retryAfter: '3', customerId: FABRIKAM_NO_BUDGET, count: 1 });
    const northwind = gateway.http.get(path(NORTHWIND_NO_USAGE));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const throttled = await Promise.all([
      gateway.http.get(path(CONTOSO)),
      gateway.http.get(path(FABRIKAM_NO_BUDGET)),
    ]);
    expect((await northwind).status).toBe(200);
    expect(throttled.map((t) => t.status)).toEqual([200, 200]);
    const calls = gateway.sandbox.requestLog.entries({ target: 'partner-center' });
    const pausedAt = Math.max(...calls.filter((c) => c.status === 429).map((c) => Date.parse(c.at)));
    const retry = calls.filter((c) => c.path.includes(NORTHWIND_NO_USAGE))[1];
    expect(retry.status).toBe(200);
    // Sent after the pause (3 s from the 429s, less the margin of when each side noted the time), not at 1 s.
    expect(Date.parse(retry.at) - pausedAt).toBeGreaterThanOrEqual(2_500);
  });

  it('takes a Retry-After sent twice (joined "30, 30") as 30 s, not as a date in 2001: the customer stays paused', async () => {
    gateway.sandbox.reset();
    gateway.sandbox.faults.add({ kind: 'status', status: 429, retryAfter: '30, 30', count: 1 });
    const first = await gateway.http.get(path(ADVENTURE_WORKS));
    // Longer than the gateway may wait within a call: the caller is told when to come back, nothing is retried.
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('30');
    const next = await gateway.http.get(path(ADVENTURE_WORKS));
    expect(next.status).toBe(429);
    expect(Number(next.headers['retry-after'])).toBeGreaterThan(25);
    // The second read was answered by the gate: Partner Center saw only the first.
    expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toHaveLength(1);
  });
});

describe('the longest throttle pause (PARTNER_CENTER_MAX_THROTTLE_PAUSE_SECONDS)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ env: { PARTNER_CENTER_MAX_THROTTLE_PAUSE_SECONDS: '2' } });
  });
  afterAll(() => gateway.close());

  it('pauses a customer for the cap, not for the day a bogus Retry-After asks, then tries again', async () => {
    gateway.sandbox.faults.add({ kind: 'status', status: 429, retryAfter: '86400', count: 1 });
    const first = await gateway.http.get(path(CONTOSO));
    // Longer than a call may wait (PARTNER_CENTER_MAX_RETRY_AFTER_SECONDS): back at once, told to wait the cap.
    expect(first.status).toBe(429);
    expect(Number(first.headers['retry-after'])).toBeLessThanOrEqual(2);
    // The next read waits out the 2 s pause at the gate (a day's would be refused at once), then goes out.
    const started = Date.now();
    const next = await gateway.http.get(path(CONTOSO));
    expect(next.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' }).map((c) => c.status)).toEqual([
      429, 200,
    ]);
  });
});
