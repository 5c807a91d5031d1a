import { ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { GRAPHQL_PATH, GraphqlSettings, graphqlModuleOptions } from './graphql.options';
import { prepareGraphiqlLandingPage } from './landing-page/graphiql-landing-page';
import { GraphiqlLandingPageModule } from './landing-page/graphiql-landing-page.module';

/**
 * The GraphQL endpoint (`/graphql`), configured per environment (production or not), and outside production
 * its GraphiQL page; resolvers come from feature modules.
 */
@Module({})
export class GatewayGraphqlModule {
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
