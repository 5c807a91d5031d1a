import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { PROCESS_LOGGER } from './logger';
import { LoggingModule } from './logging.module';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';
import type { Observability } from './observability';

const OBSERVABILITY = Symbol('OBSERVABILITY');

/** Logs, the global `Metrics` provider (and `/metrics` unless METRICS_PORT moves it) and tracing's flush at shutdown. */
@Global()
@Module({})
export class ObservabilityModule implements OnApplicationShutdown {
  constructor(@Inject(OBSERVABILITY) private readonly observability: Observability) {}

  static forRoot(observability: Observability): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [LoggingModule.forRoot(observability.logger)],
      controllers: observability.config.metricsPort === undefined ? [MetricsController] : [],
      providers: [
        { provide: OBSERVABILITY, useValue: observability },
        { provide: Metrics, useValue: observability.metrics },
        { provide: PROCESS_LOGGER, useValue: observability.logger },
      ],
      exports: [Metrics, PROCESS_LOGGER],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.observability.tracing.shutdown();
  }
}
