import axios from 'axios';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';

/**
 * The production entry as operators, the Dockerfile and the README run it: `node dist/main.js` (built by
 * `npm test`'s pretest step). With PARTNER_CENTER=sandbox (what `npm start` sets) it must come up on the embedded
 * sandbox and answer the README's example calls; with bad or missing configuration it must exit at once naming the
 * variable, and never fall back to the emulator by itself.
 */
const MAIN = join(__dirname, '../../dist/main.js');
const CONTOSO = 'c0000001-0000-4000-8000-000000000001';

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  return env;
}

function run(extra: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  let output = '';
  const child = spawn(process.execPath, [MAIN], { env: cleanEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/**
 * Runs a start that must fail on the embedded sandbox, with its own temp dir: the sandbox made its folder there (its
 * CA certificate), and a failed start must take it away as a stop does. Returns the run, exited.
 */
async function failedSandboxStart(extra: Record<string, string>): Promise<ReturnType<typeof run>> {
  const temp = mkdtempSync(join(tmpdir(), 'entrypoint-tmp-'));
  try {
    const gateway = run({ ...extra, TMPDIR: temp });
    expect(await gateway.exited).toBe(1);
    expect(readdirSync(temp)).toEqual([]);
    return gateway;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

async function waitFor(pattern: RegExp, output: () => string, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const match = pattern.exec(output());
    if (match) return match;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${pattern}; output so far:\n${output()}`);
}

describe('node dist/main.js', () => {
  beforeAll(() => {
    if (!existsSync(MAIN))
      throw new Error('dist/main.js is missing: run `npm run build` (npm test does it first)');
  });

  it('starts on the embedded sandbox with PARTNER_CENTER=sandbox and answers the README examples', async () => {
    const gateway = run({ PARTNER_CENTER: 'sandbox', PORT: '0', LOG_LEVEL: 'warn' });
    try {
      const [, url] = await waitFor(/Gateway:\s+(http:\/\/127\.0\.0\.1:\d+)/, gateway.output);
      expect(gateway.output()).toContain('SANDBOX MODE');
      expect(gateway.output()).toContain(CONTOSO);

      const rest = await axios.get(`${url}/v1/customers/${CONTOSO}/usagebudget`);
      expect(rest.data.amount).toBe(100);
      const patched = await axios.patch(`${url}/v1/customers/${CONTOSO}/usagebudget`, { amount: 250 });
      expect(patched.data.amount).toBe(250);
      const graphql = await axios.post(`${url}/graphql`, {
        query: `{ customerUsageBudget(customerId: "${CONTOSO}") { customerId amount usageSpendingBudget } }`,
      });
      expect(graphql.data.data.customerUsageBudget).toMatchObject({ customerId: CONTOSO, amount: 250 });
      expect((await axios.get(`${url}/healthz`)).data).toEqual({ status: 'ok' });
    } finally {
      gateway.child.kill('SIGTERM');
    }
    expect(await gateway.exited).toBe(0);
  });

  it.each([
    [{ PARTNER_CENTER: 'sandbox', PORT: 'abc' }, /Configuration error: PORT: /],
    [{}, /Configuration error: AZURE_CLIENT_ID: is required.*PARTNER_CENTER=sandbox/],
    [{ NODE_ENV: 'production', PORT: '0' }, /Configuration error: AZURE_CLIENT_ID: is required/],
    [
      { NODE_ENV: 'production', PARTNER_CENTER: 'sandbox', PORT: '0' },
      /Configuration error: PARTNER_CENTER: .*ALLOW_SANDBOX_IN_PRODUCTION=true/,
    ],
    [{ AZURE_CLIENT_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }, /Configuration error: AZURE_TENANT_ID: /],
    [{ AZURE_CLIENT_SECRET: 'hunter2-secret' }, /Configuration error: AZURE_CLIENT_ID: /],
    [
      {
        AZURE_CLIENT_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
        AZURE_TENANT_ID: 'contoso.onmicrosoft.com',
        AZURE_CLIENT_CERTIFICATE_PATH: '/nonexistent.pem',
      },
      /Configuration error: AZURE_CLIENT_CERTIFICATE_PATH: cannot read/,
    ],
  ])('refuses to start with %j, naming the variable', async (env, message) => {
    const gateway = run(env as Record<string, string>);
    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toMatch(message);
    expect(gateway.output()).not.toContain('hunter2-secret');
    expect(gateway.output()).not.toMatch(/\n\s+at /);
  });

  it('refuses to start on a port already taken or a host it cannot resolve, in one line and no stack trace', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((taken.address() as AddressInfo).port);
      for (const [env, message] of [
        [
          { PARTNER_CENTER: 'sandbox', HOST: '127.0.0.1', PORT: port },
          /cannot listen on HOST:PORT \(EADDRINUSE\)/,
        ],
        [
          { PARTNER_CENTER: 'sandbox', HOST: 'not_a_host!!', PORT: '0' },
          /cannot listen on HOST:PORT \(ENOTFOUND\)/,
        ],
      ] as const) {
        const gateway = await failedSandboxStart(env);
        expect(gateway.output()).toMatch(message);
        expect(gateway.output()).not.toMatch(/\n\s+at /);
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses to start when the embedded sandbox cannot use SANDBOX_PORT or SANDBOX_STATE_DIR, naming them', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'entrypoint-'));
    try {
      const file = join(dir, 'a-file');
      writeFileSync(file, '');
      for (const [env, message] of [
        [
          { SANDBOX_PORT: String((taken.address() as AddressInfo).port) },
          /Configuration error: SANDBOX_PORT: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/,
        ],
        [
          { SANDBOX_STATE_DIR: join(file, 'state') },
          /Configuration error: SANDBOX_STATE_DIR: cannot use .*a-file\/state \(ENOTDIR\)/,
        ],
      ] as const) {
        const gateway = await failedSandboxStart({ PARTNER_CENTER: 'sandbox', PORT: '0', ...env });
        expect(gateway.output()).toMatch(message);
        expect(gateway.output()).not.toContain('HOST:PORT');
        expect(gateway.output()).not.toMatch(/\n\s+at /);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses to start when METRICS_PORT cannot be listened on, naming METRICS_PORT, not HOST:PORT', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const metricsPort = String((taken.address() as AddressInfo).port);
      const gateway = await failedSandboxStart({
        PARTNER_CENTER: 'sandbox',
        PORT: '0',
        METRICS_PORT: metricsPort,
      });
      expect(gateway.output()).toMatch(
        new RegExp(`cannot listen on METRICS_PORT \\(127\\.0\\.0\\.1:${metricsPort}, EADDRINUSE\\)`),
      );
      expect(gateway.output()).not.toContain('HOST:PORT');
      // Not announced as serving first: nothing was ever ready.
      expect(gateway.output()).not.toContain('Gateway listening');
      expect(gateway.output()).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
