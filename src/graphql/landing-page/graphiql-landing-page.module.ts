import { DynamicModule, Inject, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { GRAPHIQL_ASSETS, GraphiqlAssetsController } from './graphiql-assets.controller';
import type { GraphiqlLandingPage } from './graphiql-landing-page';

const LANDING_PAGE = Symbol('GRAPHIQL_LANDING_PAGE');

/** Serves the GraphiQL page's files outside production, or says why there is no page. */
@Module({})
export class GraphiqlLandingPageModule implements OnApplicationBootstrap {
  constructor(@Inject(LANDING_PAGE) private readonly page: GraphiqlLandingPage) {}

  static forRoot(page: GraphiqlLandingPage): DynamicModule {
    return {
      module: GraphiqlLandingPageModule,
      controllers: page.available ? [GraphiqlAssetsController] : [],
      providers: [
        { provide: LANDING_PAGE, useValue: page },
        ...(page.available ? [{ provide: GRAPHIQL_ASSETS, useValue: page.assets }] : []),
      ],
    };
  }

  onApplicationBootstrap(): void {
    if (!this.page.available) new Logger('GraphiQL').warn(`No GraphiQL page: ${this.page.reason}`);
  }
}
