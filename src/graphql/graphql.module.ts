import { ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { registerGraphqlCorrelation } from './graphql-correlation.hook';
import { GraphQLModule } from '@nestjs/graphql';
import { GRAPHQL_PATH, GraphqlSettings, graphqlModuleOptions } from './graphql.options';
import { prepareGraphiqlLandingPage } from './landing-page/graphiql-landing-page';
import { GraphiqlLandingPageModule } from './landing-page/graphiql-landing-page.module';

/**
 * The GraphQL endpoint (`/graphql`), configured per environment (production or not), and outside production
 * its GraphiQL page; resolvers come from feature modules. Its errors carry the request's correlation id.
 */
@Module({})
export class GatewayGraphqlModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    registerGraphqlCorrelation(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), GRAPHQL_PATH);
  }

  static forRoot(settings: GraphqlSettings): DynamicModule {
    const landingPage = settings.production
      ? undefined
      : prepareGraphiqlLandingPage({ endpoint: GRAPHQL_PATH, sandbox: settings.sandbox ?? false });
    const plugin = landingPage?.available ? landingPage.plugin : undefined;
    return {
      module: GatewayGraphqlModule,
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>(graphqlModuleOptions(settings, plugin)),
        ...(landingPage ? [GraphiqlLandingPageModule.forRoot(landingPage)] : []),
      ],
    };
  }
}
