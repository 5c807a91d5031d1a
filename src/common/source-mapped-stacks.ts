import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { install } from 'source-map-support';

/** The gateway's own compiled files (dist/), whose maps tsc writes next to them. */
const OWN_FILES = join(__dirname, '..') + sep;

/**
 * Stack traces that point at the gateway's TypeScript source, mapped when a trace is formatted.
 *
 * Why not Node's --enable-source-maps: it parses, as each module loads, the map of every module that names one and
 * the line lengths of its source. The dependencies ship ~3.7 MB of maps: ~10 MB of RSS in every gateway process,
 * against a 150 MB budget, for frames inside libraries. Here a map is read the first time one of its frames is
 * formatted, and only the gateway's own (0.2 MB in all); a dependency's frame stays the JavaScript Node ran.
 * main.ts imports this first.
 */
install({
  environment: 'node',
  hookRequire: false,
  handleUncaughtExceptions: false,
  overrideRetrieveSourceMap: true,
  retrieveSourceMap(source) {
    const file = source.startsWith('file://') ? new URL(source).pathname : source;
    if (!file.startsWith(OWN_FILES) || !existsSync(`${file}.map`)) return null;
    return { url: `${file}.map`, map: readFileSync(`${file}.map`, 'utf8') };
  },
});
