import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

/** A process the bench started; stop() ends it (SIGTERM, then SIGKILL after a grace period). */
export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  logPath: string;
  stop(): Promise<void>;
}

const running = new Set<Child>();

/** Starts `command args` with its output in `${logDir}/${name}.log`; with ipc, an IPC channel too (node scripts only). */
export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; logDir: string; cwd?: string; ipc?: boolean },
): Child {
  const logPath = join(options.logDir, `${name}.log`);
  const log = createWriteStream(logPath);
  const child = options.ipc
    ? fork(args[0], args.slice(1), {
        env: options.env,
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      })
    : spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: Child = {
    name,
    pid: child.pid,
    process: child,
    logPath,
    stop: async () => {
      running.delete(handle);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      log.end();
    },
  };
  running.add(handle);
  return handle;
}

/** The first IPC message of a child that reports `{ ready: ... }`, or its exit as an error. */
export function readyMessage<T>(child: Child, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`${child.name} not ready after ${timeoutMs} ms (${child.logPath})`)),
      timeoutMs,
    );
    const onMessage = (message: { ready?: T; error?: string }) => {
      if (message.error) fail(new Error(`${child.name}: ${message.error}`));
      else if (message.ready) done(() => resolve(message.ready as T));
    };
    const onExit = (code: number | null) =>
      fail(new Error(`${child.name} exited with ${code} (${child.logPath})`));
    child.process.on('message', onMessage);
    child.process.once('exit', onExit);
    function fail(error: Error) {
      done(() => reject(error));
    }
    function done(settle: () => void) {
      clearTimeout(timer);
      child.process.off('message', onMessage);
      child.process.off('exit', onExit);
      settle();
    }
  });
}

/** Polls `probe` every 100 ms until it returns true, at most timeoutMs; fails early if the child exits. */
export async function waitUntil(
  child: Child,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < Math.ceil(timeoutMs / 100) + 1; attempt++) {
    if (child.process.exitCode !== null)
      throw new Error(`${child.name} exited with ${child.process.exitCode} (${child.logPath})`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${child.name} not ready after ${timeoutMs} ms (${child.logPath})`);
}

/** Stops every child still running: at the end, on an error, on Ctrl-C. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}
