import { randomUUID } from 'node:crypto';
import { SingleFlight } from '../../common/single-flight';
import { PartnerCenterError, UpstreamFailure } from '../../partner-center/errors/partner-center-error';
import { PartnerCenterClient } from '../../partner-center/partner-center.client';
import type { PartnerCenterSpendingBudget } from '../../partner-center/spending-budget';
import type { Caller } from '../../request-context/caller';
import type { RequestContext } from '../../request-context/request-context';
import type { SharedState, SharedWrite } from '../../shared-state/shared-state';
import { BudgetCache } from './budget-cache';

/** A budget read, and how old it is when it was served from the cache (0: just read from Partner Center). */
export interface BudgetRead {
  budget: PartnerCenterSpendingBudget;
  ageMs: number;
}

/** Where a read's answer came from: Partner Center, a read in flight, the cache, or another replica's read. */
export type ReadSource = 'upstream' | 'coalesced' | 'cache' | 'replica';

interface SharedRead {
  budget?: PartnerCenterSpendingBudget;
  /** Partner Center's definite refusal of the read (404, 403), for the replicas waiting on it; never cached. */
  failure?: UpstreamFailure & { message: string };
  fetchedAt: number;
  /** The customer's write version when the read started ('' with the cache off, before any write): another is stale. */
  version: string;
}

const INVALIDATIONS = 'reads:invalidations';
/**
 * How long a replica's flight lock lives unless it renews it (every half of it while its read is under way): a
 * replica that dies mid-read holds the others up this long at most. Its answer lives FLIGHT_RESULT_MS.
 */
const FLIGHT_LOCK_MS = 2_000;
const FLIGHT_RESULT_MS = 1_000;
/** Waiting replicas look for the answer this often at first, less often as a slow read goes on (at most 100 ms). */
const FLIGHT_POLL_MS = 15;
const FLIGHT_POLL_MAX_MS = 100;
/**
 * How long a customer's write version is kept after its last write (or, with the cache on, after the read that made
 * it). Once it is gone, expired or lost with Redis' data, the next read with the cache on makes a new one, which no
 * entry stored before can carry.
 */
const VERSION_MS = 24 * 60 * 60_000;

/**
 * How the gateway reads budgets without spending Partner Center's quota twice for one answer:
 * - concurrent reads of one customer under one upstream identity share one call (never across users in app+user
 *   mode: the identity is part of the key); with Redis, across replicas too: one replica reads under a short lock
 *   and shares the answer, the others wait a moment for it;
 * - the optional cache answers repeated reads within its TTL (in Redis too, for the fleet);
 * - a write waits for nothing: it bumps the customer's generation on every replica (and, with Redis, the fleet's
 *   write version, read with the shared cache entry), so reads that arrive after it never join a read that started
 *   before it, and a read that overlapped a write fills no cache any replica serves from.
 */
export class BudgetReads {
  private readonly flights = new SingleFlight<PartnerCenterSpendingBudget>();
  /**
   * What last made a customer's reads stale here, as a stamp of `stamps` (a write heard of); `epoch`, the stamp of the
   * last reconnection to Redis, makes every customer's reads from before it stale at once.
   */
  private readonly generations = new Map<string, number>();
  private readonly invalidatedAt = new Map<string, number>();
  private stamps = 0;
  private epoch = 0;
  /** Customers written while Redis was away (the fleet heard nothing of it): announced once it is back. */
  private readonly unannounced = new Set<string>();

  constructor(
    private readonly partnerCenter: PartnerCenterClient,
    readonly cache: BudgetCache,
    private readonly shared: SharedState,
    private readonly count: (source: ReadSource) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    shared.subscribe(INVALIDATIONS, (customerId) => this.forget(customerId));
    // The writes other replicas made while this one was away from Redis were announced to it in vain: what it cached
    // before, or read while away, may predate them; and its own writes meanwhile were announced to nobody. Without
    // a cache there is nothing kept to drop (a flight's key carries the fleet's write version, which the next read
    // takes from Redis).
    if (cache.enabled) shared.onConnected(() => void this.reconnected());
  }

  /**
   * `context`: the inbound request (its caller decides whose view is read; a shared flight carries the first's).
   * `fresh`: the caller wants no cached answer (it knows of a change made outside the gateway): the read goes to
   * Partner Center, or joins one on its way there, and its answer is cached for the others.
   */
  async read(
    customerId: string,
    requestId?: string,
    context?: RequestContext,
    fresh = false,
  ): Promise<BudgetRead> {
    const id = customerId.toLowerCase();
    const identity = this.partnerCenter.identityScope(context?.caller);
    // This replica's own copy is current only while it hears the fleet's writes: while its subscription is away (Redis
    // answering its commands or not), it asks the fleet's entry, whose write version says whether it is current (or,
    // Redis away, its memory standing in for Redis, which its own writes keep current).
    const local = fresh || !this.shared.listening ? undefined : this.cache.get(identity, id);
    if (local) {
      this.count('cache');
      return local;
    }
    const generation = this.generationOf(id);
    // Without Redis nothing below is asked of the shared state: no promise is made for it on every read.
    const redis = this.shared.backend === 'redis';
    let version = '';
    if (redis) {
      const shared = await this.sharedCacheEntry(identity, id, generation, fresh);
      if (shared.cached) {
        this.count('cache');
        return shared.cached;
      }
      version = shared.version;
    }
    // The fleet's write version is part of the key: a read arriving after a write on any replica has seen the new
    // version, so it never joins a read in flight here since before the write, whether or not this replica has
    // heard of the write yet.
    const key = `${identity}|${id}|${generation}|${version}`;
    if (this.flights.has(key)) this.count('coalesced');
    const budget = await this.flights.run(key, async () => {
      const startedAt = this.now();
      const flight = redis
        ? await this.readOfAnotherReplica(identity, id, generation, version, startedAt)
        : {};
      if (flight.answer) {
        this.count('replica');
        if (flight.answer.failure) throw refusalOf(flight.answer.failure);
        return flight.answer.budget!;
      }
      this.count('upstream');
      const lock = flight.lock;
      const renewal = lock && setInterval(() => void lock.renew(), FLIGHT_LOCK_MS / 2).unref();
      let released = false;
      try {
        const fetched = await this.partnerCenter.getUsageBudget(id, requestId, context);
        clearInterval(renewal);
        // This replica's copy only when nothing it heard of (a write, a reconnection to Redis) overlapped the read.
        if (this.generationOf(id) === generation) this.cache.set(identity, id, fetched, startedAt);
        // The fleet's copy carries the write version the read started under, which every write changes in Redis before
        // it is announced: another replica takes it only while that version is current, whatever this one heard
        // meanwhile. Withholding it after a reconnection (a subscriber's first 'ready' during the read) only made the
        // replicas waiting on this read ask Partner Center again.
        if (redis) {
          await this.share(identity, id, { budget: fetched }, startedAt, version, lock);
          released = true;
        }
        return fetched;
      } catch (error) {
        // The replicas waiting on this read would each ask again for an answer no retry changes.
        const failure = definiteRefusal(error);
        if (redis && failure) {
          await this.share(identity, id, { failure }, startedAt, version, lock);
          released = true;
        }
        throw error;
      } finally {
        clearInterval(renewal);
        if (!released) await lock?.release();
      }
    });
    return { budget, ageMs: 0 };
  }

  /** What the gateway knows of a customer's budget right now without asking (a fresh local cache entry). */
  known(customerId: string, caller: Caller | undefined): PartnerCenterSpendingBudget | undefined {
    if (!this.shared.listening) return undefined; // a write elsewhere may have changed it unheard
    return this.cache.get(this.partnerCenter.identityScope(caller), customerId.toLowerCase())?.budget;
  }

  /**
   * A write is starting or has ended: what was read before it is stale, here and on every replica. With Redis the
   * customer's write version changes first: every shared entry, and every flight's answer, carries the version its
   * read started under, and one of another version is never served. That drops the entries of every upstream
   * identity at once (no key scan), and an entry a read from before the write stores after it is dead on arrival.
   * The message then clears the replicas' local caches.
   */
  async invalidate(customerId: string): Promise<void> {
    const id = customerId.toLowerCase();
    this.forget(id);
    if (this.shared.backend === 'redis') await this.announce(id);
  }

  private async announce(id: string): Promise<void> {
    await this.shared.set(versionKey(id), randomUUID(), VERSION_MS);
    await this.shared.publish(INVALIDATIONS, id);
    // Answered from this process's memory: the other replicas keep serving what they cached before the write.
    if (this.shared.degraded && this.cache.enabled && this.unannounced.size < 100_000)
      this.unannounced.add(id);
  }

  /** Back on Redis: nothing read before counts, and the writes made while away are announced to the fleet. */
  private async reconnected(): Promise<void> {
    this.forgetAll();
    const written = [...this.unannounced];
    this.unannounced.clear();
    for (const id of written) await this.announce(id);
  }

  private forget(id: string): void {
    this.generations.set(id, ++this.stamps);
    this.invalidatedAt.set(id, this.now());
    this.cache.invalidate(id);
    // Generations only need to differ while reads are in flight; forget them when the maps grow large (a new epoch
    // keeps every read in flight from counting as current).
    if (this.generations.size > 100_000) this.forgetAll();
  }

  /** Every read so far is stale: the cache is emptied and reads in flight fill nothing. */
  private forgetAll(): void {
    this.epoch = ++this.stamps;
    this.generations.clear();
    this.invalidatedAt.clear();
    this.cache.clear();
  }

  private generationOf(id: string): number {
    return Math.max(this.generations.get(id) ?? 0, this.epoch);
  }

  /**
   * With Redis: the answer for the replicas waiting on this read, and for the fleet's cache when it is on (a budget,
   * not a refusal), stored and the flight's lock released in one round trip (the answer first: a waiter that finds
   * the lock gone finds it).
   */
  private async share(
    identity: string,
    id: string,
    answer: Pick<SharedRead, 'budget' | 'failure'>,
    fetchedAt: number,
    version: string,
    lock: FlightLock | undefined,
  ) {
    const value = JSON.stringify({ ...answer, fetchedAt, version } satisfies SharedRead);
    const writes: SharedWrite[] = [{ key: resultKey(identity, id, version), value, ttlMs: FLIGHT_RESULT_MS }];
    if (answer.budget && this.cache.enabled)
      writes.push({ key: cacheKey(identity, id), value, ttlMs: this.cache.ttlMs });
    if (lock) writes.push({ key: lock.key, delete: true });
    await this.shared.writeMany(writes);
  }

  /**
   * With Redis, after a local miss: the fleet's cache entry, if it is fresh and of the customer's current write
   * version, and that version (read in the same round trip, for the read that follows when there is no entry).
   */
  private async sharedCacheEntry(
    identity: string,
    id: string,
    generation: number,
    fresh: boolean,
  ): Promise<{ cached?: BudgetRead; version: string }> {
    if (!this.cache.enabled) return { version: (await this.shared.get(versionKey(id))) ?? '' };
    const [raw, version] = fresh
      ? [undefined, await this.shared.get(versionKey(id))]
      : await this.shared.getMany([cacheKey(identity, id), versionKey(id)]);
    // No version: the customer was never written, or Redis lost its version with its data (a restart, a failover to
    // an empty node, a flush) — and with it what tells an entry stored under '' by a read from before the loss, maybe
    // from before a write too, from a current one. This read makes a version of its own instead, which no entry stored
    // before carries: one round trip more, only for the first read of a customer until the version is lost again.
    if (version === undefined) return { version: await this.newVersion(id) };
    const entry = parse(raw);
    if (!entry?.budget || entry.version !== version) return { version };
    // On this replica's clock, and never in the future: read by a replica whose clock is ahead, the entry would be
    // younger than new (a negative Age) and kept here past its TTL by the clocks' difference.
    const now = this.now();
    const fetchedAt = Math.min(entry.fetchedAt, now);
    const ageMs = now - fetchedAt;
    if (ageMs >= this.cache.ttlMs) return { version };
    // A write heard of while Redis answered: the entry may predate it, so it is not kept here.
    if (this.generationOf(id) === generation) this.cache.set(identity, id, entry.budget, fetchedAt);
    return { cached: { budget: entry.budget, ageMs }, version };
  }

  /** The customer's write version for a read that found none: this one, or the one another replica made first. */
  private async newVersion(id: string): Promise<string> {
    const made = randomUUID();
    return (await this.shared.setIfAbsent(versionKey(id), made, VERSION_MS)) ?? made;
  }

  /**
   * With Redis: when another replica is reading the same budget right now, its answer (a budget, or Partner Center's
   * 404 or 403), as long as no write overlapped the wait; otherwise the flight lock this replica then holds to read it itself (none when Redis is away).
   *
   * The lock holds the start of its holder's read, and the holder renews it while the read is under way: a slow read
   * (Partner Center slow, or the customer paused by a 429's Retry-After) is waited for, not repeated by every replica
   * at once, and its answer is taken only when that read started no earlier than the one this replica found under
   * way (never an answer older than the flight it waited for). The wait ends at the read deadline, or at once when
   * the lock is gone without an answer (its holder failed or died): this replica then reads.
   *
   * The lock and the answer are the write version's: a read that arrives after a write could not take the answer of
   * a read from before it, so it must not wait for one either (a slow or held read would hold it up to its deadline).
   */
  private async readOfAnotherReplica(
    identity: string,
    id: string,
    generation: number,
    version: string,
    startedAt: number,
  ): Promise<{ answer?: SharedRead; lock?: FlightLock }> {
    if (this.shared.degraded) return {};
    const lockKey = flightLock(identity, id, version);
    const take = () => this.shared.setIfAbsent(lockKey, String(startedAt), FLIGHT_LOCK_MS);
    const mine: FlightLock = {
      key: lockKey,
      renew: () => this.shared.set(lockKey, String(startedAt), FLIGHT_LOCK_MS),
      release: () => this.shared.delete(lockKey),
    };
    const holderStartedAt = Number(await take());
    if (Number.isNaN(holderStartedAt)) return { lock: mine };
    // Only an answer read after the last write this replica heard of, by the flight it found or a later one.
    const answer = async () => {
      const result = parse(await this.shared.get(resultKey(identity, id, version)));
      const notBefore = Math.max(holderStartedAt, (this.invalidatedAt.get(id) ?? 0) + 1);
      return result && result.version === version && result.fetchedAt >= notBefore ? result : undefined;
    };
    const giveUpAt = startedAt + this.partnerCenter.readDeadlineMs + FLIGHT_LOCK_MS;
    // Bounded by the deadline and by the count: a poll waits at least FLIGHT_POLL_MS.
    for (let polls = 0; polls < 10_000 && this.now() < giveUpAt; polls++) {
      if (this.generationOf(id) !== generation) return {};
      const found = await answer();
      if (found) return { answer: found };
      const elapsed = this.now() - startedAt;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(FLIGHT_POLL_MAX_MS, FLIGHT_POLL_MS + elapsed / 20)),
      );
      // Another holder's value is not taken on: an answer it stores is no older than the flight found first.
      if ((await take()) !== undefined) continue;
      // The lock is gone: its holder answered and let go while this replica slept, or it failed (no answer).
      const last = this.generationOf(id) === generation ? await answer() : undefined;
      if (!last) return { lock: mine };
      await mine.release();
      return { answer: last };
    }
    return {};
  }
}

/** The lock of a read this replica makes for the fleet: renewed while the read is under way, released after it. */
interface FlightLock {
  key: string;
  renew(): Promise<void>;
  release(): Promise<void>;
}

function cacheKey(identity: string, id: string): string {
  return `reads:cache:${identity}:${id}`;
}

/** Per write version, as the flight lock: an answer from before a write is no answer for a read after it. */
function resultKey(identity: string, id: string, version: string): string {
  return `reads:result:${identity}:${id}:${version}`;
}

function versionKey(id: string): string {
  return `reads:version:${id}`;
}

/** One flight per upstream identity, customer and write version ('' before any write) across the fleet. */
function flightLock(identity: string, id: string, version: string): string {
  return `reads:flight:${identity}:${id}:${version}`;
}

/** Partner Center's answer that the identity may not read this customer or that it does not exist: the same for all. */
function definiteRefusal(error: unknown): SharedRead['failure'] {
  if (!(error instanceof PartnerCenterError) || error.source !== 'partner-center') return undefined;
  if (error.kind !== 'not-found' && error.kind !== 'forbidden') return undefined;
  const { kind, source, status, code, description, requestId, attempts, message } = error;
  return { kind, source, status, code, description, requestId, attempts, message };
}

function refusalOf({ message, ...failure }: NonNullable<SharedRead['failure']>): PartnerCenterError {
  return new PartnerCenterError(failure, message);
}

function parse(raw: string | undefined): SharedRead | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as SharedRead;
  } catch {
    return undefined;
  }
}
