import { PartnerCenterError } from '../../../src/partner-center/errors/partner-center-error';
import type { PartnerCenterClient } from '../../../src/partner-center/partner-center.client';
import type { PartnerCenterSpendingBudget } from '../../../src/partner-center/spending-budget';
import { MemorySharedState } from '../../../src/shared-state/memory-shared-state';
import { replicaView } from '../../support/replica-view';
import { BudgetCache } from '../../../src/usage-budget/reads/budget-cache';
import { BudgetReads } from '../../../src/usage-budget/reads/budget-reads';

const CUSTOMER = 'c0000001-0000-4000-8000-000000000001';

/**
 * Two replicas over one store standing in for Redis. A replica can be made deaf: the fleet's messages wait until it
 * hears them, as pub/sub may arrive after a replica has already acted (the race the write version closes).
 */
function fleetState() {
  const store = new MemorySharedState();
  const replica = () => {
    let deaf = false;
    let listening = true;
    let away: MemorySharedState | undefined;
    const held: Array<() => void> = [];
    const connected: Array<() => void> = [];
    const view = replicaView(store, {
      // Away from Redis, as RedisSharedState is: every command answered from this replica's own memory.
      get: (key) => (away ?? store).get(key),
      getMany: (keys) => (away ?? store).getMany(keys),
      set: (key, value, ttlMs) => (away ?? store).set(key, value, ttlMs),
      setIfAbsent: (key, value, ttlMs) => (away ?? store).setIfAbsent(key, value, ttlMs),
      delete: (key) => (away ?? store).delete(key),
      writeMany: (writes) => (away ?? store).writeMany(writes),
      publish: (channel, message) => (away ?? store).publish(channel, message),
      subscribe: (channel, onMessage) =>
        store.subscribe(channel, (message) =>
          deaf ? held.push(() => onMessage(message)) : onMessage(message),
        ),
      onConnected: (listener) => connected.push(listener),
    });
    Object.defineProperty(view, 'degraded', { get: () => away !== undefined });
    Object.defineProperty(view, 'listening', { get: () => listening });
    return {
      view,
      deafen: () => (deaf = true),
      /** Its subscription drops alone: it hears nothing, and knows it, while its commands still reach Redis. */
      dropSubscription: () => {
        deaf = true;
        listening = false;
      },
      /** Loses Redis: hears nothing, and what it sends reaches no other replica. */
      loseRedis: () => {
        deaf = true;
        away = new MemorySharedState();
      },
      /** Back on Redis after an outage: the messages sent meanwhile were lost to it, never heard. */
      reconnect: () => {
        held.length = 0;
        deaf = false;
        away = undefined;
        connected.forEach((listener) => listener());
      },
      hear: () => {
        deaf = false;
        held.splice(0).forEach((deliver) => deliver());
      },
    };
  };
  return { replica, store };
}

/** Partner Center with one budget; the first GET can be held until the test lets it answer what it read then. */
function partnerCenter() {
  let amount = 100;
  let upstreamReads = 0;
  let holdNext = false;
  let release: (() => void) | undefined;
  const client = {
    identityScope: () => 'app',
    readDeadlineMs: 30_000,
    getUsageBudget: async (): Promise<PartnerCenterSpendingBudget> => {
      upstreamReads += 1;
      const read = { amount }; // what Partner Center had when the request reached it
      if (holdNext) {
        holdNext = false;
        await new Promise<void>((resolve) => (release = resolve));
      }
      return read;
    },
  } as unknown as PartnerCenterClient;
  return {
    client,
    write: (to: number) => (amount = to),
    holdNextRead: () => (holdNext = true),
    releaseHeldRead: () => release!(),
    reads: () => upstreamReads,
  };
}

describe('budget reads across replicas on Redis, with the cache on', () => {
  const setup = () => {
    const fleet = fleetState();
    const upstream = partnerCenter();
    const [a, b] = [fleet.replica(), fleet.replica()];
    const replicaA = new BudgetReads(upstream.client, new BudgetCache(30_000), a.view);
    const replicaB = new BudgetReads(upstream.client, new BudgetCache(30_000), b.view);
    /** A write through replica A, as UsageBudgetService does it: invalidate, apply, invalidate. */
    const writeOnA = async (to: number) => {
      await replicaA.invalidate(CUSTOMER);
      upstream.write(to);
      await replicaA.invalidate(CUSTOMER);
    };
    return { fleet, upstream, a, b, replicaA, replicaB, writeOnA };
  };

  it('serves no replica an entry a read from before a write stored after it', async () => {
    const { upstream, b, replicaA, replicaB, writeOnA } = setup();
    upstream.holdNextRead();
    const before = replicaB.read(CUSTOMER);
    await waitUntil(() => upstream.reads() === 1);
    // B has not heard of the write yet when its read, sent before the write, answers and fills the caches.
    b.deafen();
    await writeOnA(66);
    upstream.releaseHeldRead();
    expect((await before).budget.amount).toBe(100);

    expect((await replicaA.read(CUSTOMER)).budget.amount).toBe(66);
    b.hear();
    expect((await replicaB.read(CUSTOMER)).budget.amount).toBe(66);
  });

  it('never lets a read arriving after a write join a read in flight since before it, even unheard', async () => {
    const { upstream, b, replicaB, writeOnA } = setup();
    upstream.holdNextRead();
    const before = replicaB.read(CUSTOMER);
    await waitUntil(() => upstream.reads() === 1);
    b.deafen();
    await writeOnA(66);
    const after = replicaB.read(CUSTOMER);
    upstream.releaseHeldRead();
    expect((await before).budget.amount).toBe(100);
    expect((await after).budget.amount).toBe(66);
    expect(upstream.reads()).toBe(2);
  });

  it('serves nothing a replica cached before it lost Redis once it is back: a write was made meanwhile', async () => {
    const { b, replicaA, replicaB, writeOnA } = setup();
    expect((await replicaB.read(CUSTOMER)).budget.amount).toBe(100);
    b.deafen(); // B loses Redis: the write's messages never reach it
    await writeOnA(66);
    b.reconnect();
    expect((await replicaB.read(CUSTOMER)).budget.amount).toBe(66);
    expect((await replicaA.read(CUSTOMER)).budget.amount).toBe(66);
  });

  it('serves no replica a value from before a write made on a replica away from Redis, once it is back', async () => {
    const { upstream, a, replicaB, writeOnA } = setup();
    expect((await replicaB.read(CUSTOMER)).budget.amount).toBe(100);
    a.loseRedis();
    await writeOnA(66); // nothing of it reaches Redis or replica B
    a.reconnect();
    await new Promise((resolve) => setImmediate(resolve)); // its announcement's round trips
    expect((await replicaB.read(CUSTOMER)).budget.amount).toBe(66);
    expect(upstream.reads()).toBe(2);
  });

  it('keeps out of the cache a read sent before a replica got Redis back and answered after', async () => {
    const { upstream, b, replicaB, writeOnA } = setup();
    b.deafen();
    upstream.holdNextRead();
    const during = replicaB.read(CUSTOMER);
    await waitUntil(() => upstream.reads() === 1);
    await writeOnA(66); // B's subscription is down: it hears nothing of the write
    b.reconnect();
    upstream.releaseHeldRead();
    expect((await during).budget.amount).toBe(100);
    expect((await replicaB.read(CUSTOMER)).budget.amount).toBe(66);
  });

  it('shares a read that a reconnection overlapped with the fleet: the other replica does not ask again', async () => {
    const { upstream, b, replicaA, replicaB } = setup();
    upstream.holdNextRead();
    const during = replicaB.read(CUSTOMER);
    await waitUntil(() => upstream.reads() === 1);
    b.reconnect(); // e.g. its subscriber's first 'ready', while the read is under way
    upstream.releaseHeldRead();
    expect((await during).budget.amount).toBe(100);
    expect((await replicaA.read(CUSTOMER)).budget.amount).toBe(100);
    expect(upstream.reads()).toBe(1);
  });

  it('serves no replica its own copy while its subscription is away: it asks the fleet, whose version is current', async () => {
    const { upstream, b, replicaB, writeOnA } = setup();
    expect((await replicaB.read(CUSTOMER)).budget.amount).toBe(100);
    b.dropSubscription();
    await writeOnA(66);
    expect((await replicaB.read(CUSTOMER)).budget.amount).toBe(66);
    expect(replicaB.known(CUSTOMER, undefined)).toBeUndefined();
    expect(upstream.reads()).toBe(2);
  });

  it('serves no entry that a read from before a write stored after Redis lost its data (the version with it)', async () => {
    const { fleet, upstream, replicaA, replicaB, writeOnA } = setup();
    upstream.holdNextRead();
    const before = replicaB.read(CUSTOMER);
    await waitUntil(() => upstream.reads() === 1);
    await writeOnA(66);
    fleet.store.clear(); // Redis restarted empty: every customer's write version is gone
    upstream.releaseHeldRead();
    expect((await before).budget.amount).toBe(100);
    expect((await replicaA.read(CUSTOMER)).budget.amount).toBe(66);
  });

  it('serves no negative age for an entry shared by a replica whose clock is ahead', async () => {
    const fleet = fleetState();
    const upstream = partnerCenter();
    const clockAhead = () => Date.now() + 20_000;
    const ahead = new BudgetReads(
      upstream.client,
      new BudgetCache(30_000),
      fleet.replica().view,
      undefined,
      clockAhead,
    );
    const replicaB = new BudgetReads(upstream.client, new BudgetCache(30_000), fleet.replica().view);
    await ahead.read(CUSTOMER);
    // Taken from the fleet's cache (no second read), as new: not 20 s younger than new, nor kept 20 s past its TTL.
    const taken = await replicaB.read(CUSTOMER);
    expect(upstream.reads()).toBe(1);
    expect(taken.ageMs).toBe(0);
    expect((await replicaB.read(CUSTOMER)).ageMs).toBeGreaterThanOrEqual(0);
  });

  it('still serves the fleet one read per write: the other replica takes the shared entry', async () => {
    const { upstream, replicaA, replicaB, writeOnA } = setup();
    await replicaA.read(CUSTOMER);
    expect((await replicaB.read(CUSTOMER)).budget.amount).toBe(100);
    await writeOnA(66);
    expect((await replicaB.read(CUSTOMER)).budget.amount).toBe(66);
    expect((await replicaA.read(CUSTOMER)).budget.amount).toBe(66);
    expect(upstream.reads()).toBe(2);
  });
});

describe('budget reads across replicas on Redis, with the cache off', () => {
  it('waits for a read of another replica that outlasts its lock, instead of reading again', async () => {
    const fleet = fleetState();
    const upstream = partnerCenter();
    const replicaA = new BudgetReads(upstream.client, new BudgetCache(0), fleet.replica().view);
    const replicaB = new BudgetReads(upstream.client, new BudgetCache(0), fleet.replica().view);
    upstream.holdNextRead();
    const first = replicaA.read(CUSTOMER);
    await waitUntil(() => upstream.reads() === 1);
    const second = replicaB.read(CUSTOMER);
    // Longer than a flight lock lives unless renewed (a read paused by a 429, or Partner Center slow).
    await new Promise((resolve) => setTimeout(resolve, 2_600));
    upstream.write(250);
    upstream.releaseHeldRead();
    expect((await first).budget.amount).toBe(100);
    expect((await second).budget.amount).toBe(100);
    expect(upstream.reads()).toBe(1);
  });

  it('lets a read after a write go at once instead of waiting for a read from before it on another replica', async () => {
    const fleet = fleetState();
    const upstream = partnerCenter();
    const replicaA = new BudgetReads(upstream.client, new BudgetCache(0), fleet.replica().view);
    const replicaB = new BudgetReads(upstream.client, new BudgetCache(0), fleet.replica().view);
    upstream.holdNextRead();
    const before = replicaA.read(CUSTOMER);
    await waitUntil(() => upstream.reads() === 1);
    await replicaA.invalidate(CUSTOMER);
    upstream.write(66);
    await replicaA.invalidate(CUSTOMER);
    expect((await replicaB.read(CUSTOMER)).budget.amount).toBe(66);
    upstream.releaseHeldRead();
    expect((await before).budget.amount).toBe(100);
  });

  it('lets a reconnection split no read in flight: with nothing cached there is nothing to drop', async () => {
    const fleet = fleetState();
    const upstream = partnerCenter();
    const b = fleet.replica();
    const replicaB = new BudgetReads(upstream.client, new BudgetCache(0), b.view);
    upstream.holdNextRead();
    const first = replicaB.read(CUSTOMER);
    await waitUntil(() => upstream.reads() === 1);
    b.reconnect();
    const second = replicaB.read(CUSTOMER);
    upstream.releaseHeldRead();
    expect((await first).budget.amount).toBe(100);
    expect((await second).budget.amount).toBe(100);
    expect(upstream.reads()).toBe(1);
  });

  it.each([
    ['not-found', 404, 60003],
    ['forbidden', 403, 20002],
  ] as const)(
    'takes the %s answer of the replica it waited for instead of asking Partner Center again',
    async (kind, status, code) => {
      const fleet = fleetState();
      const upstream = partnerCenter();
      const refusing = {
        identityScope: () => 'app',
        readDeadlineMs: 30_000,
        getUsageBudget: async () => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          throw new PartnerCenterError({ kind, source: 'partner-center', status, code, attempts: 1 });
        },
      } as unknown as PartnerCenterClient;
      const replicaA = new BudgetReads(refusing, new BudgetCache(0), fleet.replica().view);
      const replicaB = new BudgetReads(upstream.client, new BudgetCache(0), fleet.replica().view);
      const first = replicaA.read(CUSTOMER);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const second = replicaB.read(CUSTOMER);
      await expect(first).rejects.toMatchObject({ kind, status, code });
      const error = await second.then(
        () => undefined,
        (refusal: unknown) => refusal,
      );
      expect(error).toBeInstanceOf(PartnerCenterError);
      expect(error).toMatchObject({ kind, status, code, source: 'partner-center' });
      expect(upstream.reads()).toBe(0);
    },
  );

  it('reads at once when the replica it waited for ended without an answer', async () => {
    const fleet = fleetState();
    const upstream = partnerCenter();
    const failing = {
      identityScope: () => 'app',
      readDeadlineMs: 30_000,
      getUsageBudget: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new Error('Partner Center answered 503');
      },
    } as unknown as PartnerCenterClient;
    const replicaA = new BudgetReads(failing, new BudgetCache(0), fleet.replica().view);
    const replicaB = new BudgetReads(upstream.client, new BudgetCache(0), fleet.replica().view);
    const first = replicaA.read(CUSTOMER);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = replicaB.read(CUSTOMER);
    await expect(first).rejects.toThrow('503');
    expect((await second).budget.amount).toBe(100);
    expect(upstream.reads()).toBe(1);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('the condition never held');
}
