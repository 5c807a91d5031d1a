/**
 * Seeded in every Partner Center sandbox with a budget of 100, and documented as such (sandbox/README.md; the
 * README's examples use it too). Named here rather than imported: only src/sandbox-mode/ loads the sandbox package.
 */
export const SANDBOX_EXAMPLE_CUSTOMER = 'c0000001-0000-4000-8000-000000000001';

const QUERY = (customerId: string) => `query CustomerUsageBudget {
  customerUsageBudget(customerId: "${customerId}") {
    customerId
    amount
    usageSpendingBudget
  }
}
`;

/**
 * The document GraphiQL opens with: on the sandbox a query on a seeded customer that works as it stands, elsewhere
 * a placeholder customer id with a word on the token it needs. Lines are kept short: the editor pane is narrow.
 */
export function defaultQuery({ sandbox }: { sandbox: boolean }): string {
  if (!sandbox) {
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
    '# Contoso Ltd below has a budget of 100; the other seeded',
    '# customers are listed in the start-up banner.',
    '# Change a budget:',
    '#   mutation { updateUsageBudget(input:',
    `#     { customerId: "${SANDBOX_EXAMPLE_CUSTOMER}",`,
    '#       amount: 250 }) { customerId amount } }',
    '# With a caller token (npm run -s token, see the banner), in',
    '# Headers below: { "Authorization": "Bearer <token>" }',
    '',
    QUERY(SANDBOX_EXAMPLE_CUSTOMER),
  ].join('\n');
}
