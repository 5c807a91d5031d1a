import { MemorySharedState } from '../../shared-state/memory-shared-state';
import type { SharedState } from '../../shared-state/shared-state';

/** Bounds of the adaptive upstream concurrency limit, and the fleet's request budget. */
export interface QuotaOptions {
  minConcurrency: number;
  maxConcurrency: number;
  initialConcurrency: number;
  /** The fleet's requests per second to Partner Center (PARTNER_CENTER_MAX_REQUESTS_PER_SECOND); 0: no budget. */
  maxRequestsPerSecond: number;
}

/** A pause as replicas tell each other: relative, so their clocks need not agree. */
interface Pause {
  customerId?: string;
  retryAfterMs: number;
  partnerWide: boolean;
}

const PAUSES = 'quota:pauses';
/**
 * The pauses in force, kept in the shared state too (field: the customer, or PARTNER for a partner-wide pause; each
 * with its end, the set expiring with the last): the message reaches only the replicas listening when it is sent,
 * so a replica that starts or reconnects during a pause loads them from here instead.
 */
const PAUSES_IN_FORCE = 'quota:paused';
const PARTNER = '*';

/**
 * The shaper of Partner Center traffic, one per process and in step across the fleet. Partner Center throttles per
 * partner tenant and per partner + customer, publishes no numbers and answers 429 with Retry-After; the gateway sees
 * all of a partner's traffic, so:
 * - a throttle gate: a 429's Retry-After pauses its scope (that customer; the whole partner when several customers
 *   are throttled at once) for every call of every replica, instead of each call discovering the 429 on its own;
 * - an adaptive concurrency limit (AIMD): halved on a 429 (once per pause), grown back by one per window of
 *   successes, between configured bounds. Calls above it wait their turn in order;
 * - an optional per-second request budget, counted for the whole fleet in the shared state.
 */
export class QuotaShaper {
  private limit: number;
  private inFlight = 0;
  /** Calls waiting for a slot, in order: each is resumed when one is free. */
  private readonly queue: Array<() => void> = [];
  private partnerPausedUntil = 0;
  private readonly customerPausedUntil = new Map<string, number>();
  /** This replica's 429s whose pause is still in force, each with its end. */
  private recentThrottles: Array<{ customerId: string; until: number }> = [];
  private lastDecreaseAt = 0;
  private successesSinceGrowth = 0;
  /** Settles when the pauses in force have been loaded once (at once without Redis). */
  private readonly firstLoad: Promise<void>;

  constructor(
    private readonly options: QuotaOptions,
    private readonly shared: SharedState = new MemorySharedState(),
    private readonly now: () => number = Date.now,
  ) {
    this.limit = options.initialConcurrency;
    let loaded!: () => void;
    this.firstLoad = new Promise<void>((resolve) => (loaded = resolve));
    if (shared.backend !== 'redis') loaded();
    // On each (re)connection, not per call: while connected, the messages keep this replica in step.
    shared.onConnected(
      () =>
        void this.loadPauses()
          .catch(() => undefined)
          .finally(loaded),
    );
    shared.subscribe(PAUSES, (message) => {
      try {
        const { customerId, retryAfterMs, partnerWide } = JSON.parse(message) as Pause;
        this.pause(customerId, this.now() + retryAfterMs, partnerWide);
      } catch {
        // not a pause: ignore it
      }
    });
  }

  /** Milliseconds until calls for this customer may go out (0: now). */
  pauseFor(customerId: string | undefined): number {
    const now = this.now();
    const customer = customerId ? (this.customerPausedUntil.get(customerId) ?? 0) : 0;
    return Math.max(0, this.partnerPausedUntil - now, customer - now);
  }

  /** A 429 for this customer, asking to wait `retryAfterMs`: pause the scope here and on every replica. */
  throttled(customerId: string | undefined, retryAfterMs: number): void {
    const now = this.now();
    // Several customers throttled at once (their pauses overlap, a second at least): the partner's own limit, not
    // one customer's. A customer whose pause is over is no evidence: looking back as far as a long Retry-After would
    // pause every customer for it after any unrelated short 429 of the last minutes.
    this.recentThrottles = this.recentThrottles.filter((t) => t.until > now);
    this.recentThrottles.push({ customerId: customerId ?? '', until: now + Math.max(1_000, retryAfterMs) });
    const partnerWide = !customerId || new Set(this.recentThrottles.map((t) => t.customerId)).size > 1;
    this.pause(customerId, now + retryAfterMs, partnerWide);
    const pause: Pause = { customerId, retryAfterMs, partnerWide };
    void this.shared.publish(PAUSES, JSON.stringify(pause));
    if (this.shared.backend === 'redis') {
      if (customerId) void this.shared.extendDeadline(PAUSES_IN_FORCE, customerId, retryAfterMs);
      if (partnerWide) void this.shared.extendDeadline(PAUSES_IN_FORCE, PARTNER, retryAfterMs);
    }
    if (now - this.lastDecreaseAt >= Math.max(1_000, retryAfterMs)) {
      this.lastDecreaseAt = now;
      this.limit = Math.max(this.options.minConcurrency, Math.floor(this.limit / 2));
    }
  }

  /**
   * Waits, at most `maxWaitMs`, until the pauses in force across the fleet are known here: a replica starting
   * during a pause must not spend a request on a certain 429. Redis being away at start only delays it this long.
   */
  async pausesLoaded(maxWaitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.firstLoad,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs))),
    ]);
    clearTimeout(timer);
  }

  /** Takes on the pauses the fleet holds in the shared state (after a (re)connection). */
  async loadPauses(): Promise<void> {
    const now = this.now();
    for (const [field, leftMs] of await this.shared.deadlines(PAUSES_IN_FORCE)) {
      if (field === PARTNER) this.pause(undefined, now + leftMs, true);
      else this.pause(field, now + leftMs, false);
    }
  }

  /** An answer that was not a 429. */
  succeeded(): void {
    this.successesSinceGrowth += 1;
    if (this.successesSinceGrowth >= this.limit && this.limit < this.options.maxConcurrency) {
      this.successesSinceGrowth = 0;
      this.limit += 1;
      this.drain();
    }
  }

  /**
   * Waits, within `maxWaitMs`, until the fleet's per-second budget has room for one more request; false when it
   * has none in time. Without a budget: true at once. The seconds are the shared state's (Redis' clock): counted by
   * each replica's own clock, two replicas whose clocks disagree would count the same instant in two seconds.
   */
  async takeRateBudget(maxWaitMs: number): Promise<boolean> {
    const budget = this.options.maxRequestsPerSecond;
    if (budget <= 0) return true;
    const giveUpAt = this.now() + maxWaitMs;
    for (let tries = 0; tries < 1_000; tries++) {
      const { count, secondEndsInMs } = await this.shared.countInSecond('quota:rate');
      if (count <= budget) return true;
      if (this.now() + secondEndsInMs > giveUpAt) return false;
      await new Promise((resolve) => setTimeout(resolve, secondEndsInMs + Math.floor(Math.random() * 20)));
    }
    return false;
  }

  /** Whether a fleet request budget is configured (PARTNER_CENTER_MAX_REQUESTS_PER_SECOND). */
  get hasRateBudget(): boolean {
    return this.options.maxRequestsPerSecond > 0;
  }

  /** A slot at once when one is free and nobody waits before this call; undefined otherwise (then `acquire`). */
  tryAcquire(): (() => void) | undefined {
    if (this.inFlight >= this.limit || this.queue.length > 0) return undefined;
    this.inFlight += 1;
    return this.releaser();
  }

  /** Waits for a slot under the current limit; the returned function gives it back. */
  async acquire(): Promise<() => void> {
    const now = this.tryAcquire();
    if (now) return now;
    // drain() counts the slot in flight before it resumes this call.
    await new Promise<void>((resolve) => this.queue.push(resolve));
    return this.releaser();
  }

  /** Gives the slot back once, however often it is called. */
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      this.drain();
    };
  }

  get concurrencyLimit(): number {
    return this.limit;
  }

  get queued(): number {
    return this.queue.length;
  }

  private pause(customerId: string | undefined, until: number, partnerWide: boolean): void {
    if (customerId) {
      this.customerPausedUntil.set(
        customerId,
        Math.max(this.customerPausedUntil.get(customerId) ?? 0, until),
      );
    }
    if (partnerWide) this.partnerPausedUntil = Math.max(this.partnerPausedUntil, until);
    if (this.customerPausedUntil.size > 10_000) {
      const now = this.now();
      for (const [id, pausedUntil] of this.customerPausedUntil)
        if (pausedUntil <= now) this.customerPausedUntil.delete(id);
    }
  }

  private drain(): void {
    while (this.inFlight < this.limit && this.queue.length > 0) {
      this.inFlight += 1;
      this.queue.shift()!();
    }
  }
}
