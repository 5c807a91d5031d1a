import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningSandbox } from 'partner-center-sandbox';
import { sandboxAsPartnerCenter } from '../../../support/sandbox-as-partner-center';

const MAIN = join(__dirname, '../../../../dist/main.js');

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout (JSON log lines) and stderr. */
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** SIGTERM and wait for the exit (SIGKILL after the bound, so a test never leaves a process behind). */
  stop(): Promise<number | null>;
}

/**
 * The built gateway (`node dist/main.js`) as a process, against a sandbox the test started, configured as if the
 * sandbox were the real Partner Center (app credentials, its CA through NODE_EXTRA_CA_CERTS, inbound auth off).
 */
export async function startGatewayProcess(
  sandbox: RunningSandbox,
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  if (!existsSync(MAIN))
    throw new Error('dist/main.js is missing: run `npm run build` (npm test does it first)');
  let stdout = '';
  let stderr = '';
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      ...sandboxAsPartnerCenter(sandbox),
      AUTH_DISABLED: 'true',
      PARTNER_CENTER_RETRY_BASE_DELAY_MS: '10',
      PARTNER_CENTER_RETRY_MAX_DELAY_MS: '50',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      return await exited;
    } finally {
      clearTimeout(killer);
    }
  };
  try {
    const url = await waitForListening(
      () => stdout,
      () => child.exitCode,
    );
    return { url, child, stdout: () => stdout, stderr: () => stderr, exited, stop };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\nstderr:\n${stderr}\nstdout:\n${stdout.slice(-3000)}`);
  }
}

/** The URL from the gateway's start-up log line (PORT=0: the OS picks the port). */
async function waitForListening(stdout: () => string, exitCode: () => number | null): Promise<string> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    if (exitCode() !== null) throw new Error(`the gateway exited with ${exitCode()}`);
    const match = /"msg":"Gateway listening on (http:\/\/[^"]+)"/.exec(stdout());
    if (match) return match[1];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the gateway did not start within 20 s');
}

export function jsonLines(text: string): Array<Record<string, any>> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}
