import { SingleFlight } from '../../common/single-flight';
import { PartnerCenterClient } from '../../partner-center/partner-center.client';
import type { PartnerCenterSpendingBudget } from '../../partner-center/spending-budget';
import { BudgetCache } from './budget-cache';

/** A budget read, and how old it is when it was served from the cache (0: just read from Partner Center). */
export interface BudgetRead {
  budget: PartnerCenterSpendingBudget;
  ageMs: number;
}

/**
 * How the gateway reads budgets without spending Partner Center's quota twice for one answer:
 * - concurrent reads of one customer under one upstream identity share one call (never across users in app+user
 *   mode: the identity is part of the key);
 * - the optional cache answers repeated reads within its TTL;
 * - a write waits for nothing: it bumps the customer's generation, so reads that arrive after it never join a
 *   read that started before it, and a read that overlapped a write does not fill the cache with what it replaced.
 */
export class BudgetReads {
  private readonly flights = new SingleFlight<PartnerCenterSpendingBudget>();
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly partnerCenter: PartnerCenterClient,
    readonly cache: BudgetCache,
    private readonly now: () => number = Date.now,
  ) {}

  async read(customerId: string, requestId?: string): Promise<BudgetRead> {
    const identity = this.partnerCenter.identityScope();
    const cached = this.cache.get(identity, customerId);
    if (cached) return cached;
    const generation = this.generationOf(customerId);
    const key = `${identity}|${customerId.toLowerCase()}|${generation}`;
    const budget = await this.flights.run(key, async () => {
      const startedAt = this.now();
      const fetched = await this.partnerCenter.getUsageBudget(customerId, requestId);
      if (this.generationOf(customerId) === generation)
        this.cache.set(identity, customerId, fetched, startedAt);
      return fetched;
    });
    return { budget, ageMs: 0 };
  }

  /** What the gateway knows of a customer's budget right now without asking (a fresh cache entry). */
  known(customerId: string): PartnerCenterSpendingBudget | undefined {
    return this.cache.get(this.partnerCenter.identityScope(), customerId)?.budget;
  }

  /** A write is starting or has ended: what was read before it is stale. */
  invalidate(customerId: string): void {
    const id = customerId.toLowerCase();
    this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
    this.cache.invalidate(id);
    // Generations only need to differ while reads are in flight; forget them when the map grows large.
    if (this.generations.size > 100_000) this.generations.clear();
  }

  private generationOf(customerId: string): number {
    return this.generations.get(customerId.toLowerCase()) ?? 0;
  }
}
