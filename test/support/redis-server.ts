import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localCertificate } from './local-certificate';
import { freePort, RunningProcess, startProcess } from './processes';

const INSTALL = 'apt-get update && apt-get install -y redis-server';

export interface TestRedis {
  /** redis://127.0.0.1:port, or with `tls` rediss://:password@127.0.0.1:tlsPort. */
  url: string;
  /** The plain port (for the test's own admin connection: with a password, AUTH first). */
  port: number;
  /** With `tls`: the server's self-signed certificate, to trust (NODE_EXTRA_CA_CERTS). */
  caCertPath?: string;
  /** Stops the server (a test of Redis failures); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server for good and removes its folder. */
  close(): Promise<void>;
}

/**
 * A real redis-server on a free loopback port in a temporary folder, nothing persisted. Fails, never skips, when
 * the server is not installed. `tls` adds a TLS port with a certificate made now (as Azure Cache for Redis serves
 * on 6380) and `password` requires AUTH on both ports.
 */
export async function startRedis(options: { tls?: boolean; password?: string } = {}): Promise<TestRedis> {
  const binary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));
  if (!binary) throw new Error(`redis-server not found: ${INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), 'gateway-redis-'));
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : undefined;
  const caCertPath = tlsPort ? await writeCertificate(dir) : undefined;
  const extra = [
    ...(options.password ? ['--requirepass', options.password] : []),
    ...(tlsPort
      ? [
          '--tls-port',
          String(tlsPort),
          '--tls-cert-file',
          join(dir, 'cert.pem'),
          '--tls-key-file',
          join(dir, 'key.pem'),
        ]
      : []),
    ...(tlsPort ? ['--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no'] : []),
  ];
  let server: RunningProcess | undefined;
  const start = async () => {
    server = startProcess(
      binary,
      [
        ...extra,
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
    url: tlsPort
      ? `rediss://:${encodeURIComponent(options.password ?? '')}@127.0.0.1:${tlsPort}`
      : `redis://127.0.0.1:${port}`,
    port,
    caCertPath,
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
      // A server that wants a password first is up too.
      resolve(/^(\+PONG|-NOAUTH)/.test(data.toString()));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A self-signed certificate for 127.0.0.1 (its own CA), made at test time: cert.pem and key.pem in `dir`. */
async function writeCertificate(dir: string): Promise<string> {
  const certificate = await localCertificate();
  writeFileSync(join(dir, 'key.pem'), certificate.private, { mode: 0o600 });
  writeFileSync(join(dir, 'cert.pem'), certificate.cert);
  return join(dir, 'cert.pem');
}
