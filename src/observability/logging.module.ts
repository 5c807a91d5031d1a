import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import type { Options } from 'pino-http';

/**
 * Nest's logger on the process's pino logger (see logger.ts). pino-http only gives each request's log lines the
 * request (`req.id` is the correlation id, Fastify's `genReqId`); the one completion line per request is the access
 * log's (access-log.ts), which knows the operation, caller, outcome and upstream time.
 */
@Module({})
export class LoggingModule {
  static forRoot(logger: Logger): DynamicModule {
    const options: Options = {
      logger,
      autoLogging: false,
      serializers: {
        req: (req: { id?: string; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
      },
    };
    return { module: LoggingModule, imports: [LoggerModule.forRoot({ pinoHttp: options })] };
  }
}
