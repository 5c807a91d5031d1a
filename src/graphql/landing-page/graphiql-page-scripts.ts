/**
 * The page's own script and stylesheet, served as files under the page's Content-Security-Policy
 * (`script-src 'self'`, no inline code). The script reads its settings from the page's JSON data block.
 */
export const GRAPHIQL_BOOT_SCRIPT = `'use strict';
(function () {
  var settings = JSON.parse(document.getElementById('graphiql-settings').textContent);
  // GraphiQL's fetcher POSTs with content-type: application/json, which Apollo's CSRF prevention accepts.
  var fetcher = GraphiQL.createFetcher({ url: settings.endpoint });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      // The schema comes with the page (GraphiQL's UMD build carries graphql-js): no introspection request.
      schema: GraphiQL.GraphQL.buildClientSchema(settings.schema),
      defaultQuery: settings.defaultQuery,
      // Open on the headers editor: that is where a caller's Authorization header goes.
      defaultEditorToolsVisibility: 'headers',
      isHeadersEditorEnabled: true,
      // A bearer token typed into the headers editor stays in this tab, not in the browser's storage.
      shouldPersistHeaders: false,
    }),
  );
})();
`;

export const GRAPHIQL_PAGE_STYLE = `html, body { height: 100%; margin: 0; overflow: hidden; }
#graphiql { height: 100vh; }
`;
