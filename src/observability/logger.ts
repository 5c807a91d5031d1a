import pino, { DestinationStream, Logger } from 'pino';
import { createLogScrubber, LogScrubber } from './log-scrubber';

/** The process's pino logger, injectable (global, like Metrics) where a hot path must know its level. */
export const PROCESS_LOGGER = Symbol('PROCESS_LOGGER');

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'json' | 'pretty';

export interface LoggingConfig {
  level: LogLevel;
  format: LogFormat;
}

/**
 * The process logger (pino): one JSON object per line. A line written for a request says so in its own fields: the
 * completion line carries `correlationId` and `req` (`req.id` is the correlation id), the audit event, retries and
 * errors their `correlationId`. No child logger per request (pino-http's), and no mixin reading an async context:
 * a request that logs nothing costs the logger nothing.
 *
 * Every serialised line, whatever wrote it (Nest, a library, an error serialised with its stack), passes `scrubber`
 * (log-scrubber.ts) before the destination and the pretty format see it: credential-named fields, tokens by their
 * shape and the process's own secrets in every form are cut at any depth. It replaces pino's path redaction, which saw
 * only the paths listed and cost the completion line nine times what serialising it does.
 */
export function createLogger(
  config: LoggingConfig,
  destination?: DestinationStream,
  scrubber: LogScrubber = createLogScrubber([]),
): Logger {
  const out =
    destination ?? (config.format === 'pretty' ? prettyStream(process.stdout) : pino.destination(1));
  return pino(
    {
      level: config.level,
      hooks: { streamWrite: (line) => scrubber.line(line) },
    },
    out,
  );
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const HEAD = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'context']);

/**
 * `LOG_FORMAT=pretty`: a small human formatter for a terminal (time, level, context, message, then the fields as
 * key=value), instead of a dependency. The JSON is formatted after pino redacted it and the scrubber cut it.
 */
export function prettyStream(target: { write(text: string): unknown }): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (!line) continue;
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          const time = new Date(Number(entry.time)).toISOString().slice(11, 23);
          const context = entry.context ? ` [${String(entry.context)}]` : '';
          const fields = Object.entries(entry)
            .filter(([key]) => !HEAD.has(key))
            .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
            .join(' ');
          target.write(
            `${time} ${LEVELS[Number(entry.level)] ?? entry.level}${context} ${String(entry.msg ?? '')}${fields ? '  ' + fields : ''}\n`,
          );
        } catch {
          target.write(line + '\n');
        }
      }
    },
  };
}
