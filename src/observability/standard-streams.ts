import type { LogScrubber } from './log-scrubber';

/**
 * Routes every write to stdout and stderr through Node's streams, whoever makes it, through `scrubber` as text: the
 * gateway's own start-up and shutdown notices, and what writes there without asking, past the process logger —
 * `console.*` (ioredis' warnings, a library's stray `console.log`), the `debug` module under `DEBUG=` (ioredis logs
 * each command with its arguments, AUTH's password among them), Nest's console logger when the application fails to
 * be created, Node's warnings. The process logger's own lines go to file descriptor 1 directly and were scrubbed at
 * the sink already; what nothing writes to (a line with nothing to cut) passes as it is.
 */
export function scrubStandardStreams(scrubber: LogScrubber): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(scrubbedChunk(chunk, scrubber), ...rest)) as typeof stream.write;
  }
}

function scrubbedChunk(chunk: unknown, scrubber: LogScrubber): unknown {
  if (typeof chunk === 'string') return scrubber.text(chunk);
  if (!(chunk instanceof Uint8Array)) return chunk;
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  const scrubbed = scrubber.text(text);
  return scrubbed === text ? chunk : Buffer.from(scrubbed, 'utf8');
}
