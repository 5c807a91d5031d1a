import type { TestGateway } from './gateway';

/**
 * What the GraphQL e2e suites ask of their gateway: the methods of the calls its sandbox got as Partner Center, in
 * order, and a query sent under one correlation id (so every error can be checked for it). The gateway is read when
 * called: suites start theirs in beforeAll.
 */
export function graphqlProbe(gateway: () => TestGateway, correlationId: string) {
  return {
    partnerCenterCalls: () =>
      gateway()
        .sandbox.requestLog.entries({ target: 'partner-center' })
        .map((entry) => entry.method),
    send: (query: string, variables?: Record<string, unknown>) =>
      gateway().graphql(query, variables, { 'ms-correlationid': correlationId }),
  };
}
