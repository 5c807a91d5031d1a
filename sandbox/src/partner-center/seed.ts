import type { SeededCustomer } from '../types';

/** The customers every sandbox starts with; README.md lists them. Ids are fixed so tests can name them. */
export const SEEDED_CUSTOMERS: readonly SeededCustomer[] = [
  {
    id: 'c0000001-0000-4000-8000-000000000001',
    name: 'Contoso Ltd',
    amount: 100,
    behavior: 'budget',
    hasUsageSpendingBudget: true,
  },
  {
    id: 'c0000002-0000-4000-8000-000000000002',
    name: 'Fabrikam Inc (no budget set)',
    amount: null,
    behavior: 'budget',
    hasUsageSpendingBudget: true,
  },
  {
    id: 'c0000003-0000-4000-8000-000000000003',
    name: 'Northwind Traders (no usageSpendingBudget)',
    amount: 250.5,
    behavior: 'budget',
    hasUsageSpendingBudget: false,
  },
  {
    id: 'c0000004-0000-4000-8000-000000000004',
    name: 'Tailspin Toys (404, empty body)',
    amount: null,
    behavior: 'not-found-empty-body',
    hasUsageSpendingBudget: true,
  },
  {
    id: 'c0000005-0000-4000-8000-000000000005',
    name: 'Woodgrove Bank (403, no commerce relationship)',
    amount: null,
    behavior: 'no-commerce-relationship',
    hasUsageSpendingBudget: true,
  },
  {
    id: 'c0000006-0000-4000-8000-000000000006',
    name: 'Adventure Works',
    amount: 1234.56,
    behavior: 'budget',
    hasUsageSpendingBudget: true,
  },
];

/** The i-th extra customer's id (i from 1): d0000000-0000-4000-8000-{i as 12 hex digits}. */
export function extraCustomerId(index: number): string {
  return `d0000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

export function isExtraCustomerId(id: string): boolean {
  return /^d0000000-0000-4000-8000-[0-9a-f]{12}$/i.test(id);
}

/** The i-th extra customer's budget: 1000 + i, so a reader can check it got the customer it asked for. */
export function extraCustomerAmount(index: number): number {
  return 1000 + index;
}

/** Seeded customers plus `extra` more for load tests (SandboxOptions.extraCustomers). */
export function seedCustomers(extra = 0): SeededCustomer[] {
  if (!Number.isInteger(extra) || extra < 0 || extra > MAX_EXTRA_CUSTOMERS)
    throw new Error(`extraCustomers must be an integer from 0 to ${MAX_EXTRA_CUSTOMERS}, got ${extra}`);
  const extras = Array.from(
    { length: extra },
    (_, i): SeededCustomer => ({
      id: extraCustomerId(i + 1),
      name: `Extra customer ${i + 1}`,
      amount: extraCustomerAmount(i + 1),
      behavior: 'budget',
      hasUsageSpendingBudget: true,
    }),
  );
  return [...SEEDED_CUSTOMERS.map((c) => ({ ...c })), ...extras];
}

export const MAX_EXTRA_CUSTOMERS = 1_000_000;
