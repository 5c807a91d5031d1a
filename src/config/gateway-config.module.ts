import { DynamicModule, Global, Module } from '@nestjs/common';
import { GATEWAY_CONFIG } from './gateway-config.provider';
import { GatewayConfig } from './gateway-config';

/** Makes the one validated GatewayConfig injectable everywhere (`@Inject(GATEWAY_CONFIG)`). */
@Global()
@Module({})
export class GatewayConfigModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayConfigModule,
      providers: [{ provide: GATEWAY_CONFIG, useValue: config }],
      exports: [GATEWAY_CONFIG],
    };
  }
}
