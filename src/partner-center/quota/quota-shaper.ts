/** Bounds of the adaptive upstream concurrency limit. */
export interface QuotaOptions {
  minConcurrency: number;
  maxConcurrency: number;
  initialConcurrency: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The process-wide shaper of Partner Center traffic. Partner Center throttles per partner tenant and per partner +
 * customer, publishes no numbers and answers 429 with Retry-After; the gateway sees all of a partner's traffic, so:
 * - a throttle gate: a 429's Retry-After pauses its scope (that customer; the whole partner when several customers
 *   are throttled at once) for every call, instead of each in-flight call discovering the 429 on its own;
 * - an adaptive concurrency limit (AIMD): halved on a 429 (once per pause), grown back by one per window of
 *   successes, between configured bounds. Calls above it wait their turn in order.
 */
export class QuotaShaper {
  private limit: number;
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private partnerPausedUntil = 0;
  private readonly customerPausedUntil = new Map<string, number>();
  private readonly recentThrottles: Array<{ customerId: string; at: number }> = [];
  private lastDecreaseAt = 0;
  private successesSinceGrowth = 0;

  constructor(
    private readonly options: QuotaOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.limit = options.initialConcurrency;
  }

  /** Milliseconds until calls for this customer may go out (0: now). */
  pauseFor(customerId: string | undefined): number {
    const now = this.now();
    const customer = customerId ? (this.customerPausedUntil.get(customerId) ?? 0) : 0;
    return Math.max(0, this.partnerPausedUntil - now, customer - now);
  }

  /** A 429 for this customer, asking to wait `retryAfterMs`. */
  throttled(customerId: string | undefined, retryAfterMs: number): void {
    const now = this.now();
    const until = now + retryAfterMs;
    if (customerId) {
      this.customerPausedUntil.set(
        customerId,
        Math.max(this.customerPausedUntil.get(customerId) ?? 0, until),
      );
    }
    // Several customers throttled within one pause: the partner's own limit, not one customer's.
    this.recentThrottles.push({ customerId: customerId ?? '', at: now });
    const horizon = now - Math.max(1_000, retryAfterMs);
    while (this.recentThrottles.length > 0 && this.recentThrottles[0].at < horizon)
      this.recentThrottles.shift();
    if (!customerId || new Set(this.recentThrottles.map((t) => t.customerId)).size > 1) {
      this.partnerPausedUntil = Math.max(this.partnerPausedUntil, until);
    }
    if (this.customerPausedUntil.size > 10_000) {
      for (const [id, pausedUntil] of this.customerPausedUntil)
        if (pausedUntil <= now) this.customerPausedUntil.delete(id);
    }
    if (now - this.lastDecreaseAt >= Math.max(1_000, retryAfterMs)) {
      this.lastDecreaseAt = now;
      this.limit = Math.max(this.options.minConcurrency, Math.floor(this.limit / 2));
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

  /** Waits for a slot under the current limit; the returned function gives it back. */
  async acquire(): Promise<() => void> {
    if (this.inFlight >= this.limit || this.queue.length > 0) {
      await new Promise<void>((resolve, reject) => this.queue.push({ resolve, reject }));
    } else {
      this.inFlight += 1;
    }
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

  private drain(): void {
    while (this.inFlight < this.limit && this.queue.length > 0) {
      this.inFlight += 1;
      this.queue.shift()!.resolve();
    }
  }
}
