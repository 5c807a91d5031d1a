import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, RunningProcess, startProcess } from './processes';

const INSTALL = 'apt-get update && apt-get install -y redis-server';

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (a test of Redis failures); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server for good and removes its folder. */
  close(): Promise<void>;
}

/**
 * A real redis-server on a free loopback port in a temporary folder, nothing persisted. Fails, never skips, when
 * the server is not installed.
 */
export async function startRedis(): Promise<TestRedis> {
  const binary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));
  if (!binary) throw new Error(`redis-server not found: ${INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), 'gateway-redis-'));
  const port = await freePort();
  let server: RunningProcess | undefined;
  const start = async () => {
    server = startProcess(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--enable-debug-command',
        'local',
      ],
      { cwd: dir, env: { PATH: process.env.PATH ?? '' } },
    );
    await waitForPing(port, server);
  };
  const stop = async () => {
    await server?.stop(2_000);
    server = undefined;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(port: number, server: RunningProcess): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (await ping(port)) return;
    if (server.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not start on port ${port}: ${server.output()}`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
