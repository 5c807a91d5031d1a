import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { UsageBudgetResolver } from '../usage-budget/usage-budget.resolver';

/** The committed schema, at the repository root (the same path from src/ and from dist/). */
export const SCHEMA_FILE = join(__dirname, '..', '..', 'schema.gql');

const HEADER = '# Generated from the code-first resolvers by `npm run schema`; do not edit.\n\n';

/** Builds the SDL from the resolvers' metadata alone: no server, no Partner Center. */
export async function buildSchemaSdl(): Promise<string> {
  const app = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, { logger: false });
  try {
    const schema = await app.get(GraphQLSchemaFactory).create([UsageBudgetResolver]);
    return `${HEADER}${printSchema(lexicographicSortSchema(schema))}\n`;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  buildSchemaSdl()
    .then((sdl) => {
      writeFileSync(SCHEMA_FILE, sdl);
      console.log(`Wrote ${SCHEMA_FILE}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
