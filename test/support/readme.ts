import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '../..');

export function readme(): string {
  return readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
}

/**
 * The environment variables the README's "Configuration" table documents, from the first column of each row:
 * `AZURE_CLIENT_SECRET` / `AZURE_CLIENT_SECRET_FILE`, and `…_FILE` meaning the previous name plus `_FILE`.
 */
export function configurationTableVariables(text: string = readme()): string[] {
  const section = /^## Configuration\s*$([\s\S]*?)(?=^## )/m.exec(text)?.[1];
  if (!section) throw new Error('README.md has no "## Configuration" section');
  const names = new Set<string>();
  for (const row of section.split('\n').filter((line) => line.startsWith('|'))) {
    const firstCell = row.split('|')[1] ?? '';
    let previous: string | undefined;
    for (const [, token] of firstCell.matchAll(/`([^`]+)`/g)) {
      const name = token.startsWith('…') && previous ? previous + token.slice(1) : token;
      if (!/^[A-Z][A-Z0-9_]+$/.test(name)) continue;
      names.add(name);
      previous = name;
    }
  }
  if (names.size < 10) throw new Error(`the README's configuration table yielded only ${[...names]}`);
  return [...names];
}
