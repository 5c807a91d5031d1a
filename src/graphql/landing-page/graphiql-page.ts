import type { IntrospectionQuery } from 'graphql';
import { GraphiqlAssets, assetUrl } from './graphiql-assets';

export interface GraphiqlPageSettings {
  /** The GraphQL endpoint the page calls. */
  endpoint: string;
  defaultQuery: string;
  /** The endpoint's schema, so that GraphiQL needs no introspection request. */
  schema: IntrospectionQuery;
}

/**
 * The GraphiQL page: files from the gateway's own assets and no inline code, so it runs under `script-src 'self'`.
 * Its settings travel in a JSON data block, which no browser executes.
 */
export function renderGraphiqlPage(assets: GraphiqlAssets, settings: GraphiqlPageSettings): string {
  const styles = assets.styles.map(
    (name) => `    <link rel="stylesheet" href="${assetUrl(assets, name)}" />`,
  );
  const scripts = assets.scripts.map((name) => `    <script src="${assetUrl(assets, name)}"></script>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '  <head>',
    '    <meta charset="utf-8" />',
    '    <meta name="viewport" content="width=device-width, initial-scale=1" />',
    '    <title>GraphiQL · Usage-budget gateway</title>',
    // No favicon request (a 404 in the console).
    '    <link rel="icon" href="data:," />',
    ...styles,
    '  </head>',
    '  <body>',
    '    <div id="graphiql">Loading GraphiQL…</div>',
    `    <script id="graphiql-settings" type="application/json">${jsonForHtml(settings)}</script>`,
    ...scripts,
    '  </body>',
    '</html>',
    '',
  ].join('\n');
}

/** JSON that cannot end the <script> element it sits in, nor open a comment or CDATA section. */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
