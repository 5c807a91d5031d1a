import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, stopAllChildren, type Child } from '../../../bench/src/processes';

/**
 * A child that keeps its files as the sandbox does (in SANDBOX_STATE_DIR, else in a folder it makes itself), says
 * where, and ignores SIGTERM, as a sandbox does whose close outlasts the bench's grace: only SIGKILL ends it, and a
 * killed process removes nothing.
 */
const STUBBORN_SANDBOX = `
  const { mkdtempSync, writeFileSync } = require('node:fs');
  const { tmpdir } = require('node:os');
  const { join } = require('node:path');
  const dir = process.env.SANDBOX_STATE_DIR || mkdtempSync(join(tmpdir(), 'partner-center-sandbox-'));
  writeFileSync(join(dir, 'ca.pem'), 'a throw-away CA');
  process.on('SIGTERM', () => {});
  console.log('state in ' + dir);
  setInterval(() => {}, 1000);
`;

describe('bench children', () => {
  let logDir: string;
  let stateDir: string | undefined;
  let child: Child | undefined;

  beforeEach(() => {
    logDir = mkdtempSync(join(tmpdir(), 'bench-processes-spec-'));
    stateDir = undefined;
    child = undefined;
  });
  afterEach(async () => {
    child?.process.kill('SIGKILL');
    await stopAllChildren();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    rmSync(logDir, { recursive: true, force: true });
  });

  /** The stubborn sandbox, once it ignores SIGTERM and its folder holds its CA. */
  async function startStubbornSandbox(): Promise<Child> {
    child = startChild('sandbox', process.execPath, ['-e', STUBBORN_SANDBOX], {
      env: { PATH: process.env.PATH },
      logDir,
      tempDirIn: 'SANDBOX_STATE_DIR',
    });
    const logPath = join(logDir, 'sandbox.log');
    for (let i = 0; i < 200 && !stateDir; i++) {
      stateDir = /state in (.+)\n/.exec(existsSync(logPath) ? readFileSync(logPath, 'utf8') : '')?.[1];
      if (!stateDir) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(stateDir && existsSync(join(stateDir, 'ca.pem'))).toBe(true);
    return child;
  }

  it("removes the sandbox's folder when the sandbox had to be killed after the grace", async () => {
    const sandbox = await startStubbornSandbox();

    await sandbox.stop(200);

    expect(sandbox.process.signalCode).toBe('SIGKILL');
    expect(existsSync(stateDir!)).toBe(false);
  });

  it('waits, when stopping every child, for one already being stopped (an interrupt during its own stop)', async () => {
    const sandbox = await startStubbornSandbox();

    void sandbox.stop(200);
    await stopAllChildren();

    expect(sandbox.process.signalCode).toBe('SIGKILL');
    expect(existsSync(stateDir!)).toBe(false);
  });
});
