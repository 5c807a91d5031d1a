/** The sandbox's documented seed (src/sandbox/README.md). */
export const CONTOSO = 'c0000001-0000-4000-8000-000000000001'; // amount 100
export const FABRIKAM_NO_BUDGET = 'c0000002-0000-4000-8000-000000000002'; // amount null
export const NORTHWIND_NO_USAGE = 'c0000003-0000-4000-8000-000000000003'; // 250.5, no usageSpendingBudget
export const TAILSPIN_EMPTY_404 = 'c0000004-0000-4000-8000-000000000004';
export const WOODGROVE_403 = 'c0000005-0000-4000-8000-000000000005';
export const ADVENTURE_WORKS = 'c0000006-0000-4000-8000-000000000006';
export const UNKNOWN_CUSTOMER = '9d3b2a1c-0000-4000-8000-00000000dead';

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const GET_BUDGET =
  'query($id: ID!) { customerUsageBudget(customerId: $id) { customerId amount usageSpendingBudget } }';
export const SET_BUDGET =
  'mutation($input: UpdateUsageBudgetInput!) { updateUsageBudget(input: $input) { customerId amount usageSpendingBudget } }';
