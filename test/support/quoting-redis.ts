import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface QuotingRedis {
  /** redis://127.0.0.1:port, with no credentials: the test adds the ones it wants quoted back. */
  url: string;
  /** Commands received so far, by name (upper case). */
  commands(): string[];
  close(): Promise<void>;
}

/** Bytes of one connection's input read at most: a client that sends more is cut off, the test's loops stay bounded. */
const MAX_INPUT = 64 * 1024;

/**
 * A server that speaks Redis's protocol and knows no command: it refuses each as Redis refuses an unknown one,
 * quoting its arguments (`ERR unknown command 'AUTH', with args beginning with: 'the-password' `), as a
 * Redis-compatible proxy that does not implement AUTH does. Only on 127.0.0.1; close() destroys every connection.
 */
export async function startQuotingRedis(): Promise<QuotingRedis> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let input = '';
    socket.on('data', (chunk: Buffer) => {
      input += chunk.toString('utf8');
      if (input.length > MAX_INPUT) return void socket.destroy();
      for (let parsed = parseCommand(input); parsed; parsed = parseCommand(input)) {
        input = input.slice(parsed.length);
        const [name = '', ...args] = parsed.command;
        received.push(name.toUpperCase());
        const quoted = args.map((arg) => `'${arg}'`).join(' ');
        socket.write(`-ERR unknown command '${name}', with args beginning with: ${quoted} \r\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    commands: () => [...received],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One RESP command (an array of bulk strings) at the start of `input`, and the characters it took; else undefined. */
function parseCommand(input: string): { command: string[]; length: number } | undefined {
  const header = /^\*(\d+)\r\n/.exec(input);
  if (!header) return undefined;
  let at = header[0].length;
  const command: string[] = [];
  for (let i = 0; i < Number(header[1]); i++) {
    const bulk = /^\$(\d+)\r\n/.exec(input.slice(at));
    if (!bulk) return undefined;
    const start = at + bulk[0].length;
    const end = start + Number(bulk[1]);
    if (input.length < end + 2) return undefined;
    command.push(input.slice(start, end));
    at = end + 2;
  }
  return { command, length: at };
}
