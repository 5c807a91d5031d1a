import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startSandbox } from 'partner-center-sandbox';
import { formatReport, runFuzz } from './engine';

/**
 * `npm run fuzz [-- --seed N --cases N --seconds S]`: the built gateway (`node dist/main.js`) as its own process,
 * configured as for real Partner Center (client credentials, issuer, CA) but pointed at a fresh sandbox, then
 * N seeded malformed requests. Exits 1 on any 5xx, accepted request, unanswered request, upstream call, gateway
 * error log line or gateway exit.
 */
const BODY_LIMIT_BYTES = 32 * 1024;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const sandbox = await startSandbox({ quiet: true });
  let gateway: ChildProcess | undefined;
  const output: string[] = [];
  let exited: string | undefined;
  try {
    const port = await freePort();
    gateway = spawn(process.execPath, [join(__dirname, '..', 'main.js')], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        AZURE_TENANT_ID: sandbox.tenantId,
        AZURE_CLIENT_ID: sandbox.defaultClient.clientId,
        AZURE_CLIENT_SECRET: sandbox.defaultClient.clientSecret,
        AZURE_AUTHORITY_HOST: sandbox.url,
        PARTNER_CENTER_BASE_URL: sandbox.url,
        NODE_EXTRA_CA_CERTS: sandbox.caCertPath,
        AUTH_ISSUER: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
        AUTH_AUDIENCE: sandbox.callerAudience,
        // Every case should reach the gateway's checks, not the per-caller rate limit.
        RATE_LIMIT_PER_MINUTE: '0',
        AUTH_FAILURES_PER_MINUTE: '0',
        HTTP_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    gateway.stdout!.on('data', collect);
    gateway.stderr!.on('data', collect);
    gateway.on('exit', (code, signal) => (exited = `gateway exited (code ${code}, signal ${signal})`));
    const gatewayUrl = `http://127.0.0.1:${port}`;
    await waitUntilUp(gatewayUrl, () => exited, output);

    const report = await runFuzz({
      gatewayUrl,
      sandbox,
      seed: args.seed,
      cases: args.cases,
      seconds: args.seconds,
      bodyLimitBytes: BODY_LIMIT_BYTES,
    });
    const errorLines = output.filter((line) => /"level":(50|60)/.test(line));
    console.log(formatReport(report));
    console.log(
      `gateway error log lines: ${errorLines.length}${exited ? `; ${exited}` : '; gateway still running'}`,
    );
    for (const line of errorLines.slice(0, 5)) console.log(`  ${line.slice(0, 400)}`);
    return report.passed && errorLines.length === 0 && !exited ? 0 : 1;
  } finally {
    if (gateway && !exited) {
      gateway.kill('SIGTERM');
      await new Promise((resolve) => gateway!.once('exit', resolve));
    }
    await sandbox.close();
  }
}

function parseArgs(argv: string[]): { seed: number; cases: number; seconds: number } {
  const options = { seed: 1, cases: 3000, seconds: 300 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!(name in options) || !Number.isInteger(value) || value < 0)
      throw new Error(
        `usage: npm run fuzz -- [--seed N] [--cases N] [--seconds S] (got ${argv[i]} ${argv[i + 1]})`,
      );
    options[name as keyof typeof options] = value;
  }
  return options;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, exited: () => string | undefined, output: string[]): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const failure = exited();
    if (failure) throw new Error(`${failure} before answering:\n${output.join('\n')}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the gateway did not answer ${url}/healthz within 30 s:\n${output.join('\n')}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
