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
