import { createUsageBudgetTestApp } from './usage-budget-test-app';

describe('OpenAPI problem examples', () => {
  it('gives every error status examples of its own, with that status and code', async () => {
    const { app } = await createUsageBudgetTestApp();
    try {
      const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
      const operations = document.paths['/v1/customers/{customerId}/usagebudget'];
      const seen = new Set<string>();
      for (const method of ['get', 'patch']) {
        for (const [status, response] of Object.entries<any>(operations[method].responses)) {
          if (status.startsWith('2')) continue;
          const examples = Object.values<any>(response.content['application/problem+json'].examples);
          expect(examples.length).toBeGreaterThan(0);
          for (const { summary, value } of examples) {
            expect(summary).toEqual(expect.any(String));
            expect(value.status).toBe(Number(status));
            expect(response.description).toContain(value.code);
            expect(value.correlationId).toEqual(expect.any(String));
            seen.add(JSON.stringify(value));
          }
        }
      }
      expect(seen.size).toBeGreaterThanOrEqual(8);
      // A body refused before it is read (too large, not UTF-8 JSON, compressed) is only the PATCH's answer.
      expect(Object.keys(operations.patch.responses)).toEqual(expect.arrayContaining(['413', '415']));
      expect(Object.keys(operations.get.responses)).not.toEqual(expect.arrayContaining(['413']));
      expect(Object.keys(operations.get.responses)).not.toEqual(expect.arrayContaining(['415']));
    } finally {
      await app.close();
    }
  });
});
