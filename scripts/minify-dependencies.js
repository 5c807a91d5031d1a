// `node scripts/minify-dependencies.js <node_modules>`: the production image's dependencies, minified in place.
//
// Why: V8 keeps the source text of every module it loaded for as long as the process lives (functions compile
// lazily, from that text). The gateway loads ~2,500 dependency files, ~9.5 MB of JavaScript, most of it comments and
// indentation; a few (msal-node's bundle, lodash) hold one non-ASCII character and are kept as two-byte strings,
// twice their size. Under load on the image's Node 24 that text is a sizeable part of the heap (README.md,
// "Performance": RSS max 155-162 -> 148-150 MB, A/B).
//
// How, and why it is safe: esbuild's whitespace and syntax minification, file by file, renaming nothing (so class and
// function names, which Nest's dependency injection and error messages read, stay as they are) and keeping licence
// comments; non-ASCII characters are written as escapes. A file esbuild cannot parse, or would not make smaller, is
// left as it was. Files are replaced (written beside, then renamed), never rewritten in place, so a hard-linked copy
// of the tree keeps its originals.
const { transformSync } = require('esbuild');
const { chmodSync, lstatSync, readdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const SCRIPT = /\.(c|m)?js$/;

function* scripts(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // Symbolic links (workspace links, .bin) point at files minified where they are, or outside the tree.
    if (entry.isDirectory() && entry.name !== '.bin') yield* scripts(path);
    else if (entry.isFile() && SCRIPT.test(entry.name)) yield path;
  }
}

function minify(path, totals) {
  const source = readFileSync(path, 'utf8');
  totals.before += source.length;
  let code;
  try {
    code = transformSync(source, {
      loader: 'js',
      minifyWhitespace: true,
      minifySyntax: true,
      charset: 'ascii',
      legalComments: 'inline',
    }).code;
  } catch {
    totals.kept += 1;
    totals.after += source.length;
    return;
  }
  if (code.length >= source.length) {
    totals.kept += 1;
    totals.after += source.length;
    return;
  }
  const next = `${path}.minifying`;
  writeFileSync(next, code);
  chmodSync(next, lstatSync(path).mode);
  renameSync(next, path);
  totals.minified += 1;
  totals.after += code.length;
}

function main(root) {
  if (!root) throw new Error('usage: node scripts/minify-dependencies.js <node_modules folder>');
  const totals = { minified: 0, kept: 0, before: 0, after: 0 };
  for (const path of scripts(root)) minify(path, totals);
  const mb = (chars) => (chars / 1e6).toFixed(1);
  console.log(
    `minified ${totals.minified} files, kept ${totals.kept} as they were: ${mb(totals.before)} -> ${mb(totals.after)} MB`,
  );
}

main(process.argv[2]);
