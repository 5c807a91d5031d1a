import type { ApolloServerPlugin } from '@apollo/server';
import { introspectionFromSchema } from 'graphql';
import { defaultQuery } from './default-query';
import { GraphiqlAssets, GraphiqlAssetsMissingError, loadGraphiqlAssets } from './graphiql-assets';
import { renderGraphiqlPage } from './graphiql-page';

export interface GraphiqlLandingPageOptions {
  /** The GraphQL endpoint, where the page is served too (GET with Accept: text/html). */
  endpoint: string;
  /** Running on the Partner Center sandbox: the default query reads one of its seeded customers. */
  sandbox: boolean;
}

/** The developer page outside production: Apollo renders it, the assets module serves its files. */
export type GraphiqlLandingPage =
  | { available: true; assets: GraphiqlAssets; plugin: ApolloServerPlugin }
  /** The packages are not installed (a production install without NODE_ENV=production): no page. */
  | { available: false; reason: string };

export function prepareGraphiqlLandingPage(options: GraphiqlLandingPageOptions): GraphiqlLandingPage {
  let assets: GraphiqlAssets;
  try {
    assets = loadGraphiqlAssets();
  } catch (error) {
    if (error instanceof GraphiqlAssetsMissingError) return { available: false, reason: error.message };
    throw error;
  }
  const plugin: ApolloServerPlugin = {
    async serverWillStart({ schema }) {
      const html = renderGraphiqlPage(assets, {
        endpoint: options.endpoint,
        defaultQuery: defaultQuery({ sandbox: options.sandbox }),
        // The page carries the schema: GraphiQL's own introspection query is deeper and wider than the
        // operation limits allow (they stay as they are, introspection bombs included).
        schema: introspectionFromSchema(schema),
      });
      return { renderLandingPage: async () => ({ html }) };
    },
  };
  return { available: true, assets, plugin };
}
