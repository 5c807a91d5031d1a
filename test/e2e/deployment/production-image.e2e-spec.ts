import axios from 'axios';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { RunningSandbox, startSandbox } from 'partner-center-sandbox';
import {
  Stage,
  inBuildContext,
  lastValue,
  lineage,
  readDockerfile,
  stage,
  stageCmd,
  stageEnv,
  stageHealthcheck,
} from '../../support/dockerfile';
import { baseEnv, freePort, runToExit, startProcess, waitUntil } from '../../support/processes';
import { REPO_ROOT } from '../../support/readme';

/**
 * The production image, without a Docker engine: the Dockerfile's `runtime` stage replayed step by step in a
 * temporary folder (its COPYs from the build context, honouring .dockerignore, and from the build stage's output,
 * which `npm test`'s pretest built; its RUN commands as they are written), then the resulting file list checked and
 * `node dist/main.js` run there as the image's CMD runs it.
 */
const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const stages = readDockerfile(join(REPO_ROOT, 'Dockerfile'));
const dockerignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8');

let root: string;
let app: string;
let files: string[];
const runs: Array<{ cwd: string; command: string; env: Record<string, string> }> = [];

/** Replays one stage's instructions in `root` (container paths live below it); returns the final WORKDIR. */
function replay(target: string): string {
  const build = stage(stages, 'build');
  const buildWorkdir = lastValue(stages, 'build', 'WORKDIR');
  let workdir = '/';
  const env: Record<string, string> = {};
  const inContainer = (path: string) => join(root, posix.resolve(workdir, path));
  for (const s of lineage(stages, target)) {
    for (const i of s.instructions) {
      switch (i.op) {
        case 'WORKDIR':
          workdir = posix.resolve(workdir, i.rest);
          mkdirSync(inContainer('.'), { recursive: true });
          break;
        case 'ENV':
          Object.assign(env, stageEnv([{ ...s, instructions: [i] } as Stage], s.name));
          break;
        case 'COPY': {
          const args = i.rest.split(/\s+/);
          const dest = args.pop()!;
          for (const source of args) {
            let from: string;
            if (i.flags.from) {
              expect(i.flags.from).toBe(build.name);
              // The build stage ran `npm run build` in its WORKDIR; here that is the repository, built by pretest.
              expect(source.startsWith(`${buildWorkdir}/`)).toBe(true);
              from = join(REPO_ROOT, source.slice(buildWorkdir!.length + 1));
            } else {
              expect({ source, inBuildContext: inBuildContext(dockerignore, source) }).toEqual({
                source,
                inBuildContext: true,
              });
              from = join(REPO_ROOT, source);
            }
            const to = dest.endsWith('/') ? join(inContainer(dest), basename(source)) : inContainer(dest);
            cpSync(from, to, { recursive: true, dereference: false });
          }
          break;
        }
        case 'RUN': {
          runs.push({
            cwd: inContainer('.'),
            command: mounted(i.flags.mount, i.rest),
            env: { ...baseEnv(), ...env },
          });
          break;
        }
        case 'USER':
        case 'EXPOSE':
        case 'HEALTHCHECK':
        case 'CMD':
          break;
        default:
          throw new Error(`the replay does not know ${i.op}: teach it before using it in the Dockerfile`);
      }
    }
  }
  return inContainer('.');
}

/**
 * A RUN's command with its mount in place. A BuildKit cache mount keeps npm's cache out of the layers; here npm's own
 * cache plays that part. A bind mount of the build stage's WORKDIR is the repository, built by pretest.
 */
function mounted(mount: string | undefined, command: string): string {
  if (!mount || /^type=cache,target=\/root\/\.npm$/.test(mount)) return command;
  const bind = /^type=bind,from=(\w+),source=([^,]+),target=([^,]+)$/.exec(mount);
  expect({
    mount,
    bindsTheBuildStage: bind?.[1] === 'build' && bind[2] === lastValue(stages, 'build', 'WORKDIR'),
  }).toEqual({
    mount,
    bindsTheBuildStage: true,
  });
  return command.split(bind![3] + '/').join(REPO_ROOT + '/');
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    return lstatSync(path).isDirectory() ? [rel + '/', ...listFiles(path, rel)] : [rel];
  });
}

function gatewayEnv(extra: Record<string, string>): Record<string, string> {
  return { ...baseEnv(), ...stageEnv(stages, 'runtime'), LOG_LEVEL: 'warn', ...extra };
}

function command(argv: string[]): [string, string[]] {
  return [argv[0] === 'node' ? process.execPath : argv[0], argv.slice(1)];
}

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist/main.js')))
    throw new Error('dist/main.js is missing: run `npm run build` (npm test does it first)');
  expect(stages[stages.length - 1].name).toBe('runtime'); // the default target is the gateway
  root = mkdtempSync(join(tmpdir(), 'usage-budget-image-'));
  app = replay('runtime');
  for (const run of runs) {
    // Copied sandbox/package.json (a workspace) would make `npm ci --omit=dev` link the sandbox in: checked below.
    const result = await runToExit('/bin/sh', ['-c', run.command], {
      cwd: run.cwd,
      env: run.env,
      timeoutMs: 240_000,
    });
    if (result.code !== 0) throw new Error(`RUN ${run.command} failed (${result.code}):\n${result.output}`);
  }
  files = listFiles(app);
  if (process.env.PRINT_IMAGE_FILES) writeFileSync(process.env.PRINT_IMAGE_FILES, files.join('\n') + '\n');
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the production image (Dockerfile runtime stage, replayed as processes)', () => {
  it('holds dist/, package.json, the lock and production dependencies: no sandbox, no dev dependency, no key', () => {
    expect(lastValue(stages, 'runtime', 'WORKDIR')).toBe('/app');
    expect(lastValue(stages, 'runtime', 'USER')).toBe('node');
    const topLevel = [...new Set(files.map((f) => f.split('/')[0]))].sort();
    expect(topLevel).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json']);
    expect(files).toContain('dist/main.js');
    expect(files).toContain('dist/main.js.map'); // source-mapped-stacks.ts maps the gateway's frames with them

    // The Partner Center sandbox is a separate package: neither its folder nor the workspace link nor its
    // dependencies. (dist/sandbox-mode/ is the gateway's own loader, which tells the operator the package is absent.)
    expect(files.filter((f) => /(^|\/)sandbox(\/|$)/.test(f))).toEqual([]);
    expect(files.filter((f) => /partner-center-sandbox|selfsigned/.test(f))).toEqual([]);
    expect(files.filter((f) => /\.(pem|key|crt)$/.test(f))).toEqual([]);
    expect(files.filter((f) => /^(src|test)\//.test(f) || f.startsWith('.env'))).toEqual([]);

    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8'));
    const packages = lock.packages as Record<string, { dev?: boolean }>;
    // Every package the lock marks dev-only is absent (a devDependency that a production dependency also needs,
    // like @types/node for protobufjs, is not dev-only and stays).
    const devOnly = Object.keys(packages).filter(
      (path) => path.startsWith('node_modules/') && packages[path].dev,
    );
    expect(devOnly.length).toBeGreaterThan(100);
    expect(devOnly.filter((path) => files.includes(`${path}/`))).toEqual([]);
    const directDevOnly = Object.keys(manifest.devDependencies).filter(
      (name) => packages[`node_modules/${name}`]?.dev,
    );
    expect(directDevOnly).toEqual(expect.arrayContaining(['jest', 'typescript', '@nestjs/cli']));
    expect(directDevOnly.filter((name) => files.includes(`node_modules/${name}/`))).toEqual([]);
    for (const name of Object.keys(manifest.dependencies)) {
      expect(files).toContain(`node_modules/${name}/package.json`);
    }
  });

  it("minifies its dependencies' JavaScript (V8 keeps every loaded module's source): smaller, ASCII only", () => {
    for (const file of [
      '@azure/msal-node/lib/msal-node.cjs',
      'lodash/lodash.js',
      '@nestjs/core/nest-factory.js',
    ]) {
      const original = readFileSync(join(REPO_ROOT, 'node_modules', file), 'utf8');
      const inImage = readFileSync(join(app, 'node_modules', file), 'utf8');
      expect({ file, smaller: inImage.length < original.length * 0.8 }).toEqual({ file, smaller: true });
      // A string with one non-ASCII character is held as two bytes per character, the whole source text too.
      expect({ file, nonAscii: /[\u0080-\uffff]/.test(inImage) }).toEqual({ file, nonAscii: false });
    }
  });

  describe('node dist/main.js in it', () => {
    let sandbox: RunningSandbox;
    let secretFile: string;

    beforeAll(async () => {
      sandbox = await startSandbox({ quiet: true });
      secretFile = join(root, 'azure-client-secret');
      writeFileSync(secretFile, sandbox.defaultClient.clientSecret, { mode: 0o600 });
    });
    afterAll(async () => {
      await sandbox?.close();
    });

    it('serves with real-looking configuration against the sandbox standing in for Partner Center', async () => {
      const port = await freePort();
      const env = gatewayEnv({
        // The image listens on 0.0.0.0; tests stay on the loopback.
        HOST: '127.0.0.1',
        PORT: String(port),
        AZURE_TENANT_ID: sandbox.tenantId,
        AZURE_CLIENT_ID: sandbox.defaultClient.clientId,
        AZURE_CLIENT_SECRET_FILE: secretFile,
        PARTNER_CENTER_BASE_URL: sandbox.url,
        AZURE_AUTHORITY_HOST: sandbox.url,
        NODE_EXTRA_CA_CERTS: sandbox.caCertPath,
        AUTH_ISSUER: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
        AUTH_AUDIENCE: sandbox.callerAudience,
      });
      expect(env.NODE_ENV).toBe('production');
      // Not --enable-source-maps: it parses every dependency's map at load (~10 MB of RSS); see source-mapped-stacks.ts.
      expect(env.NODE_OPTIONS).toBeUndefined();
      const gateway = startProcess(...command(stageCmd(stages, 'runtime')), { cwd: app, env });
      const url = `http://127.0.0.1:${port}`;
      const http = axios.create({ baseURL: url, validateStatus: () => true, timeout: 10_000 });
      const healthcheck = stageHealthcheck(stages, 'runtime');
      try {
        await waitUntil(
          async () =>
            (await http.get('/healthz').catch(() => undefined))?.status === 200 ? true : undefined,
          { timeoutMs: 20_000, describe: gateway.output },
        );
        expect(
          (await runToExit(...command(healthcheck.command), { cwd: app, env, timeoutMs: 10_000 })).code,
        ).toBe(0);

        const token = await sandbox.issueCallerToken({ roles: ['UsageBudget.ReadWrite'] });
        const auth = { headers: { authorization: `Bearer ${token}` } };
        expect((await http.get(`/v1/customers/${CONTOSO}/usagebudget`)).status).toBe(401);
        const read = await http.get(`/v1/customers/${CONTOSO}/usagebudget`, auth);
        expect([read.status, read.data.amount]).toEqual([200, 100]);
        const patched = await http.patch(`/v1/customers/${CONTOSO}/usagebudget`, { amount: 250 }, auth);
        expect([patched.status, patched.data.amount]).toEqual([200, 250]);
        const graphql = await http.post(
          '/graphql',
          { query: `{ customerUsageBudget(customerId: "${CONTOSO}") { customerId amount } }` },
          auth,
        );
        expect(graphql.data).toEqual({ data: { customerUsageBudget: { customerId: CONTOSO, amount: 250 } } });
        expect(sandbox.tokenRequests()).toBeGreaterThanOrEqual(1);
        expect(gateway.output()).not.toContain(sandbox.defaultClient.clientSecret);
        expect(gateway.output()).not.toContain(token);
      } finally {
        expect(await gateway.stop()).toBe(0);
      }
      // The HEALTHCHECK is no formality: with the gateway gone it fails.
      expect(
        (await runToExit(...command(healthcheck.command), { cwd: app, env, timeoutMs: 10_000 })).code,
      ).toBe(1);
    });

    it('refuses PARTNER_CENTER=sandbox in production, naming ALLOW_SANDBOX_IN_PRODUCTION', async () => {
      const result = await runToExit(...command(stageCmd(stages, 'runtime')), {
        cwd: app,
        env: gatewayEnv({ HOST: '127.0.0.1', PORT: '0', PARTNER_CENTER: 'sandbox' }),
        timeoutMs: 20_000,
      });
      expect(result.code).toBe(1);
      expect(result.output).toMatch(
        /Configuration error: PARTNER_CENTER: .*ALLOW_SANDBOX_IN_PRODUCTION=true/,
      );
    });

    it('says the sandbox package is absent when a demo allows the sandbox in production', async () => {
      const result = await runToExit(...command(stageCmd(stages, 'runtime')), {
        cwd: app,
        env: gatewayEnv({
          HOST: '127.0.0.1',
          PORT: '0',
          PARTNER_CENTER: 'sandbox',
          ALLOW_SANDBOX_IN_PRODUCTION: 'true',
        }),
        timeoutMs: 20_000,
      });
      expect(result.code).toBe(1);
      expect(result.output).toContain('PARTNER_CENTER=sandbox needs the partner-center-sandbox package');
      // The gateway's own frames are mapped: the trace points at the TypeScript source.
      expect(result.output).toMatch(/sandbox-mode\/embedded-sandbox\.ts:\d+/);
    });
  });
});
