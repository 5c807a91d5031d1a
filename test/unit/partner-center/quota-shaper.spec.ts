import { QuotaShaper } from '../../../src/partner-center/quota/quota-shaper';
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
  it("counts the fleet's requests in the seconds of Redis' clock, whatever the replicas' clocks say", async () => {
    let redisNow = 10_500;
    const store = new MemorySharedState(() => redisNow);
    const budget = { ...OPTIONS, maxRequestsPerSecond: 5 };
    // Replica A's clock runs 600 ms ahead of B's: to A it is already the next second.
    const a = new QuotaShaper(budget, replicaView(store), () => redisNow + 600);
    const b = new QuotaShaper(budget, replicaView(store), () => redisNow);
    const taken = async () => {
      let yes = 0;
      for (let i = 0; i < 6; i++) if (await (i % 2 ? a : b).takeRateBudget(0)) yes++;
      return yes;
    };
    expect(await taken()).toBe(5);
    redisNow = 11_000;
    expect(await taken()).toBe(5);
  });
});
