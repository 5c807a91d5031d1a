import { MemorySharedState } from '../../shared-state/memory-shared-state';
import type { SharedState } from '../../shared-state/shared-state';

/** Bounds of the adaptive upstream concurrency limit, and the fleet's request budget. */
export interface QuotaOptions {
  minConcurrency: number;
  maxConcurrency: number;
  initialConcurrency: number;
  /** The fleet's requests per second to Partner Center (PARTNER_CENTER_MAX_REQUESTS_PER_SECOND); 0: no budget. */
  maxRequestsPerSecond: number;
  /** The longest pause one 429 imposes (PARTNER_CENTER_MAX_THROTTLE_PAUSE_SECONDS); DEFAULT_MAX_PAUSE_MS if unset. */
  maxPauseMs?: number;
}

/** Ten minutes: many times any wait Partner Center asks for, and a bounded outage when a Retry-After is absurd. */
export const DEFAULT_MAX_PAUSE_MS = 600_000;

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

/** The fleet's requests to Partner Center in the last RATE_WINDOW_MS, a sliding window in the shared state. */
const RATE_BUDGET = 'quota:rate';
/**
 * A second, and a margin for the time between a request's admission and Partner Center receiving it (a few ms, more
 * on a loaded replica): requests admitted a second apart must not arrive within the same second.
 */
export const RATE_WINDOW_MS = 1_050;
/** A request sent this long after its admission or more moves its place in the window to when it was sent. */
const LATE_SEND_MS = 10;

/** A request admitted by the fleet's budget: `sent` is called as it goes out. */
export interface RateTicket {
  sent(): void;
}

const NO_BUDGET: RateTicket = { sent: () => undefined };

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
  /** The end of the last pause of any scope: before it, a call's scope is worth looking up. */
  private anyPausedUntil = 0;
  private readonly customerPausedUntil = new Map<string, number>();
  /** This replica's 429s whose pause is still in force, each with its end. */
  private recentThrottles: Array<{ customerId: string; until: number }> = [];
  private lastDecreaseAt = 0;
  private successesSinceGrowth = 0;
  /** Calls of this process waiting for room in the fleet's request budget, and the turn the last of them takes. */
  private rateWaiters = 0;
  private rateTurn: Promise<void> = Promise.resolve();
  /** Settles when the pauses in force have been loaded once (at once without Redis). */
  private readonly firstLoad: Promise<void>;
  private readonly maxPauseMs: number;

  constructor(
    private readonly options: QuotaOptions,
    private readonly shared: SharedState = new MemorySharedState(),
    private readonly now: () => number = Date.now,
  ) {
    this.limit = options.initialConcurrency;
    this.maxPauseMs = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
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

  /** Whether any scope is paused now: a check without looking up the call's customer. */
  anyPaused(): boolean {
    return this.anyPausedUntil > this.now();
  }

  /**
   * A 429 for this customer, asking to wait `retryAfterMs`: pause the scope here and on every replica, for at most
   * the longest pause allowed. A Retry-After of a day (a proxy's error page, a date mistyped) would otherwise stop
   * every call of the fleet for that long, and keep stopping replicas that start during it; past the cap one call
   * goes out, and a 429 again pauses again.
   */
  throttled(customerId: string | undefined, askedMs: number): void {
    const retryAfterMs = Math.min(askedMs, this.maxPauseMs);
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
   * Waits, within `maxWaitMs`, until the fleet's budget has room for one more request; false when it has none in
   * time. Without a budget: true at once. A sliding window on the shared state's clock (Redis' TIME, so replicas'
   * clocks need not agree): no span of RATE_WINDOW_MS ever admits more than the budget, whatever the calendar second
   * Partner Center counts in. A window of whole seconds would let the budget be spent at the end of one second and
   * again at the start of the next: twice the budget within a few milliseconds. The calls of this process that find
   * no room wait in order, and only the first of them asks the shared state again, when the oldest request admitted
   * leaves the window: a burst costs one round trip per request admitted, not one per waiting call and slot freed.
   */
  async takeRateBudget(maxWaitMs: number): Promise<RateTicket | undefined> {
    const budget = this.options.maxRequestsPerSecond;
    if (budget <= 0) return NO_BUDGET;
    const giveUpAt = this.now() + maxWaitMs;
    if (this.rateWaiters === 0) {
      const first = await this.admitRequest();
      if (first.admitted) return this.ticketFor(first.ticket);
    }
    this.rateWaiters += 1;
    const turn = this.rateTurn.then(() => this.waitForRateSlot(giveUpAt));
    this.rateTurn = turn.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await turn;
    } finally {
      this.rateWaiters -= 1;
    }
  }

  private async waitForRateSlot(giveUpAt: number): Promise<RateTicket | undefined> {
    // Bounded: each round waits for a slot to free, and gives up when the next would free too late.
    for (let round = 0; round < 10_000; round++) {
      const { admitted, ticket, slotFreeInMs } = await this.admitRequest();
      if (admitted) return this.ticketFor(ticket);
      const waitMs = Math.max(1, slotFreeInMs);
      if (this.now() + waitMs > giveUpAt) return undefined;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    return undefined;
  }

  private admitRequest() {
    return this.shared.admit(RATE_BUDGET, this.options.maxRequestsPerSecond, RATE_WINDOW_MS);
  }

  /**
   * The request admitted may leave later than admitted: when it waits for a new connection (a TLS handshake, tens
   * of ms, more to a far Partner Center), the requests admitted a window later on warm connections would reach
   * Partner Center within the same second as it. When it is sent late, the window is told when it really left.
   */
  private ticketFor(ticket: string | undefined): RateTicket {
    const admittedAt = this.now();
    return {
      sent: () => {
        const lateMs = this.now() - admittedAt;
        if (ticket === undefined || lateMs < LATE_SEND_MS) return;
        void this.shared.delayAdmission(RATE_BUDGET, ticket, lateMs, RATE_WINDOW_MS).catch(() => undefined);
      },
    };
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

  private pause(customerId: string | undefined, askedUntil: number, partnerWide: boolean): void {
    // Bounded here too: a pause announced or stored by a replica that runs without this bound (an older version).
    const until = Math.min(askedUntil, this.now() + this.maxPauseMs);
    if (customerId) {
      this.customerPausedUntil.set(
        customerId,
        Math.max(this.customerPausedUntil.get(customerId) ?? 0, until),
      );
    }
    if (partnerWide) this.partnerPausedUntil = Math.max(this.partnerPausedUntil, until);
    this.anyPausedUntil = Math.max(this.anyPausedUntil, until);
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
