import { ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { GatewayConfig } from '../config/gateway-config';
import { graphqlModuleOptions } from './graphql.options';

/** The GraphQL endpoint (`/graphql`), configured from the gateway config; resolvers come from feature modules. */
@Module({})
export class GatewayGraphqlModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayGraphqlModule,
      imports: [GraphQLModule.forRoot<ApolloDriverConfig>(graphqlModuleOptions(config))],
    };
  }
}
