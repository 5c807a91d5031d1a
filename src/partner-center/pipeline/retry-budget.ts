export interface RetryBudgetOptions {
  /** Retries allowed per logical call over the window (0.2: one retry per five calls). */
  ratio: number;
  /** Retries always allowed per window, so a lone call can still retry. */
  minRetries: number;
  windowMs: number;
}

const BUCKETS = 10;

/**
 * A process-wide retry budget (in the manner of Finagle's and Envoy's): over a sliding window, retries may not
 * exceed `minRetries + ratio × logical calls`. In a brownout most retries fit; in an outage the budget runs dry and
 * the last answer goes back at once, so the gateway does not multiply the load on a Partner Center that is down.
 * Counted in ten buckets, so it costs the same at any rate.
 */
export class RetryBudget {
  private readonly calls = new Array<number>(BUCKETS).fill(0);
  private readonly retries = new Array<number>(BUCKETS).fill(0);
  private bucketStart = 0;
  private current = 0;
  private readonly bucketMs: number;

  constructor(
    private readonly options: RetryBudgetOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketMs = Math.max(1, Math.floor(options.windowMs / BUCKETS));
  }

  /** A new logical call started (not a retry). */
  recordCall(): void {
    this.advance();
    this.calls[this.current] += 1;
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean {
    this.advance();
    const calls = sum(this.calls);
    const retries = sum(this.retries);
    if (retries + 1 > this.options.minRetries + this.options.ratio * calls) return false;
    this.retries[this.current] += 1;
    return true;
  }

  private advance(): void {
    const now = this.now();
    if (this.bucketStart === 0) this.bucketStart = now;
    const steps = Math.floor((now - this.bucketStart) / this.bucketMs);
    if (steps <= 0) return;
    for (let i = 0; i < Math.min(steps, BUCKETS); i += 1) {
      this.current = (this.current + 1) % BUCKETS;
      this.calls[this.current] = 0;
      this.retries[this.current] = 0;
    }
    this.bucketStart += steps * this.bucketMs;
  }
}

/** No limit: for a retry policy used alone (tests). */
export const UNLIMITED_RETRY_BUDGET: Pick<RetryBudget, 'recordCall' | 'tryRetry'> = {
  recordCall: () => undefined,
  tryRetry: () => true,
};

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
