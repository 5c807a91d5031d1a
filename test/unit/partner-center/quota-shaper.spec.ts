import { QuotaShaper, RATE_WINDOW_MS } from '../../../src/partner-center/quota/quota-shaper';
import { MemorySharedState } from '../../../src/shared-state/memory-shared-state';
import { replicaView } from '../../support/replica-view';

const OPTIONS = { minConcurrency: 1, maxConcurrency: 8, initialConcurrency: 4, maxRequestsPerSecond: 0 };
const CUSTOMER = 'c0000003-0000-4000-8000-000000000003';

/**
 * One store standing in for Redis. A replica's view hears no messages (it was not connected when they were sent)
 * and connects only when the test says so.
 */
function fleet() {
  const store = new MemorySharedState();
  const replica = ({ listening }: { listening: boolean }) => {
    const connected: Array<() => void> = [];
    const view = replicaView(store, {
      subscribe: (channel, onMessage) => (listening ? store.subscribe(channel, onMessage) : undefined),
      onConnected: (listener) => void connected.push(listener),
    });
    return { view, connect: () => connected.forEach((listener) => listener()) };
  };
  return { replica };
}

describe('the throttle pause in the shared state', () => {
  it('reaches a replica that (re)connects during the pause, though it missed the message', async () => {
    const { replica } = fleet();
    const a = new QuotaShaper(OPTIONS, replica({ listening: true }).view);
    const late = replica({ listening: false });
    const b = new QuotaShaper(OPTIONS, late.view);

    a.throttled(CUSTOMER, 60_000);
    expect(b.pauseFor(CUSTOMER)).toBe(0);
    late.connect();
    await b.pausesLoaded(5_000);
    expect(b.pauseFor(CUSTOMER)).toBeGreaterThan(50_000);
    // That customer's only: a one-customer 429 is no partner-wide pause.
    expect(b.pauseFor('c0000001-0000-4000-8000-000000000001')).toBe(0);
  });

  it('carries a partner-wide pause to a replica that connects later', async () => {
    const { replica } = fleet();
    const a = new QuotaShaper(OPTIONS, replica({ listening: true }).view);
    a.throttled(CUSTOMER, 30_000);
    a.throttled('c0000001-0000-4000-8000-000000000001', 30_000);
    const late = replica({ listening: false });
    const b = new QuotaShaper(OPTIONS, late.view);
    late.connect();
    await b.pausesLoaded(5_000);
    expect(b.pauseFor('c0000006-0000-4000-8000-000000000006')).toBeGreaterThan(20_000);
  });
});

describe("the fleet's request budget (PARTNER_CENTER_MAX_REQUESTS_PER_SECOND)", () => {
  const budget = { ...OPTIONS, maxRequestsPerSecond: 5 };

  it("counts the fleet's requests on Redis' clock, whatever the replicas' clocks say", async () => {
    let redisNow = 10_500;
    const store = new MemorySharedState(() => redisNow);
    // Replica A's clock runs 600 ms ahead of B's: to A it is already the next second.
    const a = new QuotaShaper(budget, replicaView(store), () => redisNow + 600);
    const b = new QuotaShaper(budget, replicaView(store), () => redisNow);
    const taken = async () => {
      let yes = 0;
      for (let i = 0; i < 6; i++) if (await (i % 2 ? a : b).takeRateBudget(0)) yes++; // a ticket, or undefined
      return yes;
    };
    expect(await taken()).toBe(5);
    redisNow += RATE_WINDOW_MS;
    expect(await taken()).toBe(5);
  });

  it("never admits more than the budget within a second, across a second's edge too", async () => {
    let redisNow = 10_990;
    const store = new MemorySharedState(() => redisNow);
    const shaper = new QuotaShaper(budget, replicaView(store), () => redisNow);
    const take = async (n: number) => {
      let yes = 0;
      for (let i = 0; i < n; i++) if (await shaper.takeRateBudget(0)) yes++;
      return yes;
    };
    expect(await take(5)).toBe(5);
    // 20 ms later, in the next second of the clock: whole seconds would admit five more, ten within 20 ms.
    redisNow = 11_010;
    expect(await take(5)).toBe(0);
    redisNow = 10_990 + RATE_WINDOW_MS;
    expect(await take(6)).toBe(5);
  });

  it('counts a request sent late, after waiting for a connection, from when it was sent', async () => {
    let now = 20_000;
    const store = new MemorySharedState(() => now);
    const shaper = new QuotaShaper(budget, replicaView(store), () => now);
    const tickets = await Promise.all([0, 1, 2, 3, 4].map(() => shaper.takeRateBudget(0)));
    // Sent 200 ms after their admission (new TLS connections): their place in the window moves with them.
    now += 200;
    for (const ticket of tickets) ticket!.sent();
    await Promise.resolve();
    now = 20_000 + RATE_WINDOW_MS;
    expect(await shaper.takeRateBudget(0)).toBeUndefined();
    now = 20_200 + RATE_WINDOW_MS;
    expect(await shaper.takeRateBudget(0)).toBeDefined();
  });

  it('lets the calls that find no room wait in order, the first of them alone asking the shared state', async () => {
    const store = new MemorySharedState();
    let asked = 0;
    const view = replicaView(store, {
      admit: (key, limit, windowMs) => {
        asked += 1;
        return store.admit(key, limit, windowMs);
      },
    });
    const shaper = new QuotaShaper({ ...OPTIONS, maxRequestsPerSecond: 2 }, view);
    const order: number[] = [];
    const started = Date.now();
    await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        expect(await shaper.takeRateBudget(5_000)).toBeDefined();
        order.push(i);
      }),
    );
    expect(order).toEqual([0, 1, 2, 3]);
    // Two now, two when the first two leave the window; nobody earlier.
    expect(Date.now() - started).toBeGreaterThanOrEqual(RATE_WINDOW_MS - 20);
    // Four admitted; the two refused at once, and the head's one refusal while it waited: no poll per waiter.
    expect(asked).toBeLessThanOrEqual(8);
  });
});

describe('the longest pause a 429 may impose (PARTNER_CENTER_MAX_THROTTLE_PAUSE_SECONDS)', () => {
  const capped = { ...OPTIONS, maxPauseMs: 600_000 };

  it('bounds a Retry-After of a day to the cap, here and on every replica that hears of it', async () => {
    const { replica } = fleet();
    const a = new QuotaShaper(capped, replica({ listening: true }).view);
    const listening = new QuotaShaper(capped, replica({ listening: true }).view);
    const late = replica({ listening: false });
    const b = new QuotaShaper(capped, late.view);

    a.throttled(CUSTOMER, 86_400_000);
    expect(a.pauseFor(CUSTOMER)).toBeLessThanOrEqual(600_000);
    expect(a.pauseFor(CUSTOMER)).toBeGreaterThan(590_000);
    expect(listening.pauseFor(CUSTOMER)).toBeLessThanOrEqual(600_000);
    late.connect();
    await b.pausesLoaded(5_000);
    expect(b.pauseFor(CUSTOMER)).toBeLessThanOrEqual(600_000);
    expect(b.pauseFor(CUSTOMER)).toBeGreaterThan(590_000);
  });

  it('bounds a pause a replica without the cap (an older version) announces', () => {
    const store = new MemorySharedState();
    const old = new QuotaShaper(OPTIONS, store);
    const current = new QuotaShaper(capped, store);
    old.throttled(CUSTOMER, 31_536_000_000);
    expect(current.pauseFor(CUSTOMER)).toBeLessThanOrEqual(600_000);
  });

  it('leaves a Retry-After within the cap as it is', () => {
    const shaper = new QuotaShaper(capped);
    shaper.throttled(CUSTOMER, 57_000);
    expect(shaper.pauseFor(CUSTOMER)).toBeGreaterThan(56_000);
    expect(shaper.pauseFor(CUSTOMER)).toBeLessThanOrEqual(57_000);
  });
});
