import type { PartnerCenterSpendingBudget } from '../../partner-center/spending-budget';

interface Entry {
  budget: PartnerCenterSpendingBudget;
  fetchedAt: number;
}

/** Past this many entries the oldest are dropped, so a portal walking every customer cannot grow memory unbounded. */
const MAX_ENTRIES = 50_000;

/**
 * The optional read cache (USAGE_BUDGET_CACHE_TTL_MS, off by default), keyed like coalescing: the upstream identity
 * and the customer. A write through the gateway drops every identity's entry for its customer.
 */
export class BudgetCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** A fresh entry, with its age. */
  get(
    identity: string,
    customerId: string,
  ): { budget: PartnerCenterSpendingBudget; ageMs: number } | undefined {
    if (!this.enabled) return undefined;
    const key = cacheKey(identity, customerId);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const ageMs = this.now() - entry.fetchedAt;
    if (ageMs >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return { budget: entry.budget, ageMs };
  }

  set(identity: string, customerId: string, budget: PartnerCenterSpendingBudget, fetchedAt: number): void {
    if (!this.enabled) return;
    const key = cacheKey(identity, customerId);
    this.entries.delete(key); // re-insert: Map order is the eviction order
    this.entries.set(key, { budget, fetchedAt });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }

  invalidate(customerId: string): void {
    const suffix = `|${customerId.toLowerCase()}`;
    for (const key of this.entries.keys()) if (key.endsWith(suffix)) this.entries.delete(key);
  }
}

function cacheKey(identity: string, customerId: string): string {
  return `${identity}|${customerId.toLowerCase()}`;
}
