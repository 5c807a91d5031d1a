import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A process the bench started; stop() ends it (SIGTERM, then SIGKILL after a grace period). */
export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  logPath: string;
  /** The folder made for the child's own files (tempDirIn), removed the moment the child is gone. */
  tempDir?: string;
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Child>();

/**
 * Starts `command args` with its output in `${logDir}/${name}.log`; with ipc, an IPC channel too (node scripts only).
 * With tempDirIn, the child finds a folder of its own in that environment variable: the bench makes it and removes it
 * once the child is gone, however it went, since a child killed after the grace cannot remove its files itself.
 */
export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; logDir: string; cwd?: string; ipc?: boolean; tempDirIn?: string },
): Child {
  const logPath = join(options.logDir, `${name}.log`);
  const log = createWriteStream(logPath);
  const tempDir = options.tempDirIn ? mkdtempSync(join(tmpdir(), `usage-budget-${name}-`)) : undefined;
  const env = options.tempDirIn ? { ...options.env, [options.tempDirIn]: tempDir } : options.env;
  const child = options.ipc
    ? fork(args[0], args.slice(1), { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    : spawn(command, args, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  if (child.pid === undefined) {
    if (tempDir) removeFolder(tempDir);
    throw new Error(`${name}: could not start ${command}`);
  }
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      // At the exit itself, before anything else hears of it: the bench may exit right after a failure it causes.
      if (tempDir) removeFolder(tempDir);
      resolve();
    }),
  );
  let stopping: Promise<void> | undefined;
  const handle: Child = {
    name,
    pid: child.pid,
    process: child,
    logPath,
    tempDir,
    // Once: a second caller (the clean-up after an interrupt, the upstream's own stop) waits for the same exit.
    stop: (graceMs = 5000) =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(killer);
        }
        log.end();
        running.delete(handle);
      })()),
  };
  running.add(handle);
  return handle;
}

function removeFolder(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch (error) {
    console.error(`[bench] could not remove ${path}: ${error instanceof Error ? error.message : error}`);
  }
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
