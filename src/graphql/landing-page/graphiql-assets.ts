import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GRAPHIQL_BOOT_SCRIPT, GRAPHIQL_PAGE_STYLE } from './graphiql-page-scripts';

/** Where the page finds its files; the page and the assets controller agree on it. */
export const GRAPHIQL_ASSETS_PATH = '/graphql/assets';

export interface GraphiqlAsset {
  contentType: string;
  body: Buffer;
  /** A digest of the body: the page links `?v=<version>`, so a browser may keep a file until it changes. */
  version: string;
}

/** The files the page loads, in the order it loads them. */
export interface GraphiqlAssets {
  styles: string[];
  scripts: string[];
  files: ReadonlyMap<string, GraphiqlAsset>;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

// GraphiQL's self-contained UMD build (its own CodeMirror and graphql inside) needs React 18's UMD globals;
// React 19 ships no UMD build. All three are dev dependencies: production serves no page.
const PACKAGE_FILES: Array<{ name: string; pkg: string; file: string; contentType: string }> = [
  { name: 'graphiql.min.css', pkg: 'graphiql', file: 'graphiql.min.css', contentType: CSS },
  { name: 'react.production.min.js', pkg: 'react', file: 'umd/react.production.min.js', contentType: JS },
  {
    name: 'react-dom.production.min.js',
    pkg: 'react-dom',
    file: 'umd/react-dom.production.min.js',
    contentType: JS,
  },
  { name: 'graphiql.min.js', pkg: 'graphiql', file: 'graphiql.min.js', contentType: JS },
];

const OWN_FILES: Array<{ name: string; text: string; contentType: string }> = [
  { name: 'graphiql-page.css', text: GRAPHIQL_PAGE_STYLE, contentType: CSS },
  { name: 'graphiql-boot.js', text: GRAPHIQL_BOOT_SCRIPT, contentType: JS },
];

export class GraphiqlAssetsMissingError extends Error {
  constructor(pkg: string) {
    super(
      `GraphiQL's page needs the npm package "${pkg}", a dev dependency that this install left out ` +
        '(npm ci installs it); the GraphQL endpoint works without the page',
    );
    this.name = 'GraphiqlAssetsMissingError';
  }
}

/** Reads the page's files once, at start, from the installed packages: nothing is fetched from the internet. */
export function loadGraphiqlAssets(resolve: (id: string) => string = require.resolve): GraphiqlAssets {
  const files = new Map<string, GraphiqlAsset>();
  for (const { name, pkg, file, contentType } of PACKAGE_FILES) {
    let root: string;
    try {
      root = dirname(resolve(`${pkg}/package.json`));
    } catch {
      throw new GraphiqlAssetsMissingError(pkg);
    }
    files.set(name, asset(readFileSync(join(root, file)), contentType));
  }
  for (const { name, text, contentType } of OWN_FILES) files.set(name, asset(Buffer.from(text), contentType));
  const [graphiqlCss, react, reactDom, graphiql] = PACKAGE_FILES.map((f) => f.name);
  return {
    styles: [graphiqlCss, 'graphiql-page.css'],
    scripts: [react, reactDom, graphiql, 'graphiql-boot.js'],
    files,
  };
}

function asset(body: Buffer, contentType: string): GraphiqlAsset {
  return { body, contentType, version: createHash('sha256').update(body).digest('hex').slice(0, 16) };
}

export function assetUrl(assets: GraphiqlAssets, name: string): string {
  return `${GRAPHIQL_ASSETS_PATH}/${name}?v=${assets.files.get(name)!.version}`;
}
