/** A customer the default query can read: the sandbox's seeded ones when running on it. */
export interface ExampleCustomer {
  id: string;
  name: string;
  amount: number | null;
}

const QUERY = (customerId: string) => `query CustomerUsageBudget {
  customerUsageBudget(customerId: "${customerId}") {
    customerId
    amount
    usageSpendingBudget
  }
}
`;

/**
 * The document GraphiQL opens with: a query that works as it stands on the sandbox (its seeded customers listed
 * in comments, to paste), and elsewhere a placeholder customer id with a word on the token it needs.
 * Lines are kept short: the editor pane is narrow.
 */
export function defaultQuery(sandboxCustomers: readonly ExampleCustomer[] | undefined): string {
  const [example] = sandboxCustomers?.filter((c) => c.amount !== null) ?? [];
  if (!sandboxCustomers || !example) {
    return [
      '# Usage-budget gateway. Calls need a bearer token',
      '# (UsageBudget.Read to read, UsageBudget.ReadWrite to change):',
      '# in Headers below, { "Authorization": "Bearer <token>" }.',
      "# Put one of your customers' tenant ids in the query, then",
      '# run it with Ctrl-Enter or the run button.',
      '',
      QUERY('00000000-0000-0000-0000-000000000000'),
    ].join('\n');
  }
  return [
    '# Usage-budget gateway on the Partner Center sandbox: no token',
    '# needed. Run with Ctrl-Enter or the run button.',
    '# Seeded customers:',
    ...sandboxCustomers.map((c) => `#   ${c.id}  ${c.name}`),
    '# Change a budget:',
    '#   mutation { updateUsageBudget(input:',
    `#     { customerId: "${example.id}",`,
    '#       amount: 250 }) { customerId amount } }',
    '# With a caller token (npm run -s token, see the banner), in',
    '# Headers below: { "Authorization": "Bearer <token>" }',
    '',
    QUERY(example.id),
  ].join('\n');
}
