import type { ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { clientErrorsListener } from './client-errors.listener';
import { graphqlOperationListener } from './graphql-operation.listener';
import { OperationInputChecks, operationInputListener } from './operation-input.listener';
import { createGraphqlErrorFormatter, unexpectedErrorsListener } from './graphql-error.formatter';
import { combinedListener, listenerPlugin } from './listener-plugin';
import { DEFAULT_OPERATION_LIMITS, operationLimitsRule } from './operation-limits.rule';

export const GRAPHQL_PATH = '/graphql';

export interface GraphqlSettings {
  /** Production turns off the landing page, introspection (and suggestions naming the schema) and stack traces. */
  production: boolean;
  /** Running on the Partner Center sandbox: the landing page's default query reads a seeded customer. */
  sandbox?: boolean;
  /** Each mutation's input rules, checked for every mutation field of a document before any of them runs. */
  operationInputChecks?: OperationInputChecks;
}

/**
 * Options for `GraphQLModule.forRoot`, given to it by GatewayGraphqlModule.
 * The schema is built in memory (`autoSchemaFile: true`): the gateway never writes to disk, so a read-only
 * container works; the committed schema.gql comes from `npm run schema` and a unit test keeps it in step.
 */
export function graphqlModuleOptions(
  config: GraphqlSettings,
  landingPage?: ApolloServerPlugin,
): ApolloDriverConfig {
  const introspection = !config.production;
  return {
    driver: ApolloDriver,
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    // The landing page is our own GraphiQL plugin (its files served by the gateway; @nestjs/apollo's GraphiQL
    // comes from a CDN). With both of these off, @nestjs/apollo installs Apollo's "disabled" landing page marker,
    // which keeps Apollo's default (CDN) page away whether or not ours is given.
    graphiql: false,
    playground: false,
    introspection,
    // Without introspection, errors do not tell the schema either: no "Did you mean …?" naming fields not written.
    hideSchemaDetailsFromClientErrors: !introspection,
    csrfPrevention: true,
    // Apollo refuses batched HTTP requests unless allowed; said here so nobody turns it on by accident.
    allowBatchedHttpRequests: false,
    // Automatic persisted queries are off: such a request gets PERSISTED_QUERY_NOT_SUPPORTED (and the client, by
    // the APQ protocol, sends the full query instead). Every query is parsed and validated from its text.
    persistedQueries: false,
    // Apollo waits for every plugin and listener at each step of every request: the gateway's hooks are one listener.
    plugins: [
      listenerPlugin(
        combinedListener(
          clientErrorsListener(),
          graphqlOperationListener(),
          operationInputListener(config.operationInputChecks ?? {}),
          unexpectedErrorsListener(),
        ),
      ),
      // No field has cache hints, and every answer is `Cache-Control: no-store` (security-headers.hook.ts): Apollo's
      // cache-control plugin, on by default, would only add a hook on every resolver of every request.
      ApolloServerPluginCacheControlDisabled(),
      // The schema is no federation subgraph; Apollo's implicit inline-trace plugin would still start on every request.
      ApolloServerPluginInlineTraceDisabled(),
      ...(landingPage ? [landingPage] : []),
    ],
    validationRules: [operationLimitsRule(DEFAULT_OPERATION_LIMITS)],
    // @nestjs/apollo's plugin for this (an answer with data is HTTP 200 whatever an error's extensions.http says) is
    // one more listener on every request; clientErrorsListener does the same in the listener the gateway has anyway.
    preserveHttpStatusForExecutionErrors: false,
    includeStacktraceInErrorResponses: !config.production,
    // Our formatError maps Nest's HTTP exceptions itself (Nest's own would turn a 400 into BAD_REQUEST).
    autoTransformHttpErrors: false,
    formatError: createGraphqlErrorFormatter({
      production: config.production,
      hideSchemaDetails: !introspection,
    }),
  };
}
