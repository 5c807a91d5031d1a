import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (the OS picks it; closed again before it is handed out). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
}

/** Starts a program with exactly the given environment (nothing inherited), capturing its output. */
export function startProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): RunningProcess {
  let output = '';
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      output += `\n[spawn error] ${error.message}`;
      resolve(-1);
    });
  });
  return {
    child,
    output: () => output,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs a program to its end (bounded by `timeoutMs`, then killed) and returns its exit code and output. */
export async function runToExit(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<{ code: number | null; output: string }> {
  const running = startProcess(command, args, options);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  try {
    const code = await running.exited;
    return { code, output: running.output() };
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns a value (not undefined), at most `timeoutMs`; fails with `describe()`. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined> | T | undefined,
  {
    timeoutMs = 20_000,
    intervalMs = 100,
    describe = () => '',
  }: {
    timeoutMs?: number;
    intervalMs?: number;
    describe?: () => string;
  } = {},
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms. ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The minimal environment a child needs besides what it is given: where programs and home are. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
}
