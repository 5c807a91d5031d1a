import { DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { IssuerKeysCheck } from './issuer-keys.check';
import { PartnerCenterTokenCheck } from './partner-center-token.check';
import { ReadinessController } from './readiness.controller';
import { ReadinessRegistry } from './readiness.registry';
import { UpstreamStateCheck } from './upstream-state.check';
import { ShutdownState } from './shutdown-state';

/** `/healthz` (liveness), `/readyz` (readiness, terminus) and the global `ReadinessRegistry` others join. */
@Global()
@Module({})
export class HealthModule {
  static forRoot(shutdown: ShutdownState): DynamicModule {
    return {
      module: HealthModule,
      // Probes that fail are the load balancer's signal, not errors to log on every probe.
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, ReadinessController],
      providers: [
        { provide: ShutdownState, useValue: shutdown },
        ReadinessRegistry,
        PartnerCenterTokenCheck,
        IssuerKeysCheck,
        UpstreamStateCheck,
      ],
      exports: [ShutdownState, ReadinessRegistry],
    };
  }
}
