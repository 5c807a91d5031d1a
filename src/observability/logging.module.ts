import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import type { IncomingMessage } from 'node:http';
import { currentCorrelationId } from '../request-context/request-context';
import type { LogLevel } from '../gateway-config';
import { isClientAbort } from '../request-context/client-abort';
import { REDACTED_PATHS, scrubSecrets } from './redaction';

type WithCorrelation = IncomingMessage & { correlationId?: string };

/**
 * Structured JSON logs (pino). Every line carries the request's correlation id: request lines through the id the
 * correlation hook put on the raw request, every other line through the async context.
 */
@Module({})
export class LoggingModule {
  /** `destination`: where the JSON lines go (stdout by default; tests capture them). */
  static forRoot(level: LogLevel, destination?: DestinationStream): DynamicModule {
    const options: Options = {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      genReqId: (req) => (req as WithCorrelation).correlationId ?? currentCorrelationId() ?? '',
      customProps: (req) => ({ correlationId: (req as WithCorrelation).correlationId }),
      mixin: () => {
        const correlationId = currentCorrelationId();
        return correlationId ? { correlationId } : {};
      },
      hooks: {
        // Free text can quote what the structured redaction cannot see (an upstream error message).
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<
              typeof method
            >,
          );
        },
      },
      serializers: {
        req: (req: { id?: string; method?: string; url?: string; headers?: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          userAgent: req.headers?.['user-agent'],
        }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' },
      customLogLevel: (req, res) => (isClientAbort(req, res) ? 'debug' : 'info'),
    };
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: destination ? [options, destination] : options })],
    };
  }
}
