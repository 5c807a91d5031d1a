import { ApolloServerErrorCode } from '@apollo/server/errors';
import { OPERATION_NOT_SUPPORTED } from '../../../src/graphql/client-errors.listener';
import { FAILURE_MAPPING } from '../../../src/problem/failure-mapping';
import { readme } from '../../support/readme';

/** The codes in the second column of the README's "Errors" table. */
function errorTableCodes(text: string = readme()): Set<string> {
  const section = /^## Errors\s*$([\s\S]*?)(?=^## )/m.exec(text)?.[1];
  if (!section) throw new Error('README.md has no "## Errors" section');
  const codes = new Set<string>();
  for (const row of section.split('\n').filter((line) => line.startsWith('|'))) {
    const codeCell = row.split('|')[2] ?? '';
    for (const [, code] of codeCell.matchAll(/`([A-Z][A-Z_]+)`/g)) codes.add(code);
  }
  return codes;
}

/**
 * Apollo's codes the gateway never answers: automatic persisted queries are off, so a persisted query is
 * PERSISTED_QUERY_NOT_SUPPORTED, never PERSISTED_QUERY_NOT_FOUND.
 */
const UNREACHABLE_APOLLO_CODES = new Set<string>([ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND]);

describe("the README's error table", () => {
  it('lists every code a caller can get: the failure table, Apollo’s own, and the gateway’s GraphQL refusals', () => {
    const answered = new Set<string>([
      ...Object.values(FAILURE_MAPPING).flatMap((mapping) => [
        mapping.code,
        mapping.graphqlCode ?? mapping.code,
      ]),
      ...Object.values(ApolloServerErrorCode).filter((code) => !UNREACHABLE_APOLLO_CODES.has(code)),
      OPERATION_NOT_SUPPORTED,
    ]);
    const documented = errorTableCodes();
    expect([...answered].filter((code) => !documented.has(code)).sort()).toEqual([]);
  });
});
