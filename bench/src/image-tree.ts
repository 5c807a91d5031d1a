import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The gateway's files as the production image holds them: `dist/` beside a node_modules whose JavaScript the image's
 * build step minified (scripts/minify-dependencies.js), since what V8 keeps of the loaded sources moves the RSS the
 * bench reports. The minified tree is made once per lock file and script (a hard-linked copy of the repository's
 * node_modules; the script replaces files, so the originals are untouched) and kept in `<outDir>/.image/`; dist/ is
 * copied afresh on every run.
 */
export function imageTree(root: string, outDir: string, log: (line: string) => void): string {
  const dir = join(root, outDir, '.image');
  const modules = join(dir, 'node_modules');
  const script = join(root, 'scripts', 'minify-dependencies.js');
  const stampFile = join(dir, 'dependencies.sha256');
  const stamp = createHash('sha256')
    .update(readFileSync(join(root, 'package-lock.json')))
    .update(readFileSync(script))
    .digest('hex');
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    log('minifying a copy of node_modules as the image does (once per lock file)');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('cp', ['-al', join(root, 'node_modules'), modules]);
    } catch {
      rmSync(modules, { recursive: true, force: true });
      cpSync(join(root, 'node_modules'), modules, { recursive: true, verbatimSymlinks: true });
    }
    execFileSync(process.execPath, [script, modules], { stdio: 'inherit' });
    writeFileSync(stampFile, stamp);
  }
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  return dir;
}
