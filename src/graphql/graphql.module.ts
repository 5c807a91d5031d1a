import { ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { GraphqlSettings, graphqlModuleOptions } from './graphql.options';

/** The GraphQL endpoint (`/graphql`), configured per environment (production or not); resolvers come from feature modules. */
@Module({})
export class GatewayGraphqlModule {
  static forRoot(settings: GraphqlSettings): DynamicModule {
    return {
      module: GatewayGraphqlModule,
      imports: [GraphQLModule.forRoot<ApolloDriverConfig>(graphqlModuleOptions(settings))],
    };
  }
}
