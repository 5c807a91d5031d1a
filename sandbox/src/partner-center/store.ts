import type { SeededCustomer } from '../types';
import { SEEDED_CUSTOMERS } from './seed';

/** A customer's budget as the emulator stores and answers it: Partner Center's SpendingBudget resource, camelCase. */
export interface StoredSpendingBudget {
  amount: number | null;
  usageSpendingBudget?: number | null;
  attributes: { objectType: 'SpendingBudget' };
  links: { self: { uri: string; method: 'GET'; headers: [] } };
}

/** The customers' budgets, in memory, back to the seed on reset. */
export class CustomerStore {
  private customers = new Map<string, SeededCustomer>();
  /** PATCHes applied per customer (lowercase id), replays excluded. */
  private applied = new Map<string, number>();

  constructor(private readonly seed: readonly SeededCustomer[] = SEEDED_CUSTOMERS) {
    this.reset();
  }

  reset(): void {
    this.applied.clear();
    this.customers = new Map(this.seed.map((c) => [c.id.toLowerCase(), { ...c }]));
  }

  find(customerId: string): SeededCustomer | undefined {
    return this.customers.get(customerId.toLowerCase());
  }

  list(): SeededCustomer[] {
    return [...this.customers.values()].map((c) => ({ ...c }));
  }

  /** Applies a PATCH: sets the amount and counts the update. */
  setAmount(customerId: string, amount: number): void {
    const customer = this.find(customerId);
    if (!customer) return;
    customer.amount = amount;
    const key = customer.id.toLowerCase();
    this.applied.set(key, (this.applied.get(key) ?? 0) + 1);
  }

  /** How many PATCHes were applied to one customer, or to all. */
  patchesApplied(customerId?: string): number {
    if (customerId !== undefined) return this.applied.get(customerId.toLowerCase()) ?? 0;
    let total = 0;
    for (const n of this.applied.values()) total += n;
    return total;
  }

  patchesAppliedByCustomer(): Record<string, number> {
    return Object.fromEntries(this.applied);
  }

  budgetOf(customer: SeededCustomer): StoredSpendingBudget {
    return {
      amount: customer.amount,
      ...(customer.hasUsageSpendingBudget ? { usageSpendingBudget: customer.amount } : {}),
      attributes: { objectType: 'SpendingBudget' },
      links: { self: { uri: `/v1/customers/${customer.id}/usagebudget`, method: 'GET', headers: [] } },
    };
  }
}
