import { readFileSync } from 'node:fs';
import { buildSchemaSdl, SCHEMA_FILE } from '../../../src/graphql/generate-schema';

describe('committed GraphQL schema', () => {
  it('matches the code-first resolvers (if not: run npm run schema and commit schema.gql)', async () => {
    const fromCode = await buildSchemaSdl();
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    if (fromCode !== committed) {
      const a = fromCode.split('\n');
      const b = committed.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      throw new Error(
        `schema.gql is out of date with the code: run npm run schema and commit schema.gql.\n` +
          `First difference at line ${line + 1}:\n  code:      ${a[line] ?? '<end>'}\n  committed: ${b[line] ?? '<end>'}`,
      );
    }
  });
});
