import type { SeededCustomer } from '../types';
import { SEEDED_CUSTOMERS } from './seed';

/** Partner Center's SpendingBudget resource, camelCase as it answers. */
export interface SpendingBudget {
  amount: number | null;
  usageSpendingBudget?: number | null;
  attributes: { objectType: 'SpendingBudget' };
  links: { self: { uri: string; method: 'GET'; headers: [] } };
}

/** The customers' budgets, in memory, back to the seed on reset. */
export class CustomerStore {
  private customers = new Map<string, SeededCustomer>();

  constructor() {
    this.reset();
  }

  reset(): void {
    this.customers = new Map(SEEDED_CUSTOMERS.map((c) => [c.id.toLowerCase(), { ...c }]));
  }

  find(customerId: string): SeededCustomer | undefined {
    return this.customers.get(customerId.toLowerCase());
  }

  list(): SeededCustomer[] {
    return [...this.customers.values()].map((c) => ({ ...c }));
  }

  setAmount(customerId: string, amount: number): void {
    const customer = this.find(customerId);
    if (customer) customer.amount = amount;
  }

  budgetOf(customer: SeededCustomer): SpendingBudget {
    return {
      amount: customer.amount,
      ...(customer.hasUsageSpendingBudget ? { usageSpendingBudget: customer.amount } : {}),
      attributes: { objectType: 'SpendingBudget' },
      links: { self: { uri: `/v1/customers/${customer.id}/usagebudget`, method: 'GET', headers: [] } },
    };
  }
}
