import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

/**
 * Nest's logger (nestjs-pino's `Logger`) on the process's pino logger (see logger.ts). nestjs-pino's per-request
 * pino-http middleware is not mounted (`forRoutes: []`), and its per-request async storage is not used (it made every
 * promise pay a hook on Node 20): request lines name their request themselves. The middleware was the gateway's
 * one, so Fastify runs without @fastify/middie (`skipMiddie` in bootstrap.ts); the two cost ~15% of the CPU of a proxied read in the profile. The one completion line per request is the inbound
 * telemetry hook's, which knows the operation, caller, outcome and upstream time.
 */
@Module({})
export class LoggingModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger, autoLogging: false }, forRoutes: [] })],
    };
  }
}
