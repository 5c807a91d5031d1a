import { buildSchema, introspectionFromSchema } from 'graphql';
import { SANDBOX_EXAMPLE_CUSTOMER, defaultQuery } from '../../../src/graphql/landing-page/default-query';
import {
  GraphiqlAssetsMissingError,
  loadGraphiqlAssets,
} from '../../../src/graphql/landing-page/graphiql-assets';
import { renderGraphiqlPage } from '../../../src/graphql/landing-page/graphiql-page';
import { createUsageBudgetTestApp, testConfig } from '../usage-budget/usage-budget-test-app';

const schema = introspectionFromSchema(buildSchema('type Query { hello: String }'));

describe('GraphiQL page', () => {
  it('has no inline script: every script is a file of its own, besides the JSON settings block', () => {
    const html = renderGraphiqlPage(loadGraphiqlAssets(), {
      endpoint: '/graphql',
      defaultQuery: '{}',
      schema,
    });
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map(([, attributes]) => attributes.trim())).toEqual([
      'id="graphiql-settings" type="application/json"',
      ...[
        'react.production.min.js',
        'react-dom.production.min.js',
        'graphiql.min.js',
        'graphiql-boot.js',
      ].map((name) =>
        expect.stringMatching(
          new RegExp(`^src="/graphql/assets/${name.replace(/\./g, '\\.')}\\?v=[0-9a-f]{16}"$`),
        ),
      ),
    ]);
    const markup = html.replace(/<script id="graphiql-settings"[\s\S]*?<\/script>/, '');
    expect(markup).not.toMatch(/<style|style=|https?:\/\//);
  });

  it('keeps its settings inside their data block, whatever the query says', () => {
    const defaultQuery = '# </script><script>alert(1)</script> <!-- & \u2028';
    const html = renderGraphiqlPage(loadGraphiqlAssets(), { endpoint: '/graphql', defaultQuery, schema });
    const [, json] = /<script id="graphiql-settings" type="application\/json">([\s\S]*?)<\/script>/.exec(
      html,
    )!;
    expect(JSON.parse(json).defaultQuery).toBe(defaultQuery);
    expect(html.match(/<\/script>/g)).toHaveLength(5);
  });

  it('opens on the sandbox with a query on a seeded customer that has a budget', () => {
    const query = defaultQuery({ sandbox: true });
    expect(query).toContain(`customerUsageBudget(customerId: "${SANDBOX_EXAMPLE_CUSTOMER}")`);
    expect(query).toMatch(/no token/);
  });

  it('opens elsewhere with a placeholder customer and a word on the bearer token', () => {
    const query = defaultQuery({ sandbox: false });
    expect(query).toContain('customerUsageBudget(customerId: "00000000-0000-0000-0000-000000000000")');
    expect(query).toContain('"Authorization": "Bearer <token>"');
  });

  it('is left out, saying why, when the GraphiQL packages are not installed', () => {
    expect(() =>
      loadGraphiqlAssets((id) => {
        throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
      }),
    ).toThrow(GraphiqlAssetsMissingError);
    expect(() =>
      loadGraphiqlAssets(() => {
        throw new Error('x');
      }),
    ).toThrow(/"graphiql".*npm ci/);
  });
});

describe('GraphiQL page in the gateway', () => {
  it('is served at /graphql to a browser, with its files under /graphql/assets', async () => {
    const { app } = await createUsageBudgetTestApp();
    try {
      const page = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const links = [...page.body.matchAll(/(?:src|href)="(\/graphql\/assets\/[^"]+)"/g)].map(
        ([, url]) => url,
      );
      expect(links).toHaveLength(6);
      for (const url of links) {
        const file = await app.inject({ method: 'GET', url });
        expect(file.statusCode).toBe(200);
        expect(file.headers['content-type']).toMatch(/^text\/(javascript|css); charset=utf-8$/);
        expect(file.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      }
      const unversioned = await app.inject({ method: 'GET', url: '/graphql/assets/graphiql.min.js' });
      expect(unversioned.headers['cache-control']).toBe('no-cache');
      expect((await app.inject({ method: 'GET', url: '/graphql/assets/package.json' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('is not served in production, nor are its files', async () => {
    const { app } = await createUsageBudgetTestApp(testConfig({ production: true }));
    try {
      const page = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
      expect(page.body).not.toMatch(/graphiql/i);
      expect((await app.inject({ method: 'GET', url: '/graphql/assets/graphiql.min.js' })).statusCode).toBe(
        404,
      );
    } finally {
      await app.close();
    }
  });
});
