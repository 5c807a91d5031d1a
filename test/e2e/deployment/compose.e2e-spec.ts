import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { lastValue, readDockerfile, stageCmd, stageEnv } from '../../support/dockerfile';
import {
  RunningProcess,
  baseEnv,
  freePort,
  runToExit,
  startProcess,
  waitUntil,
} from '../../support/processes';
import { REPO_ROOT, configurationTableVariables, readme } from '../../support/readme';

/**
 * docker-compose.yml without a Docker engine: its settings are checked as written, and the `sandbox` profile's
 * services run as local processes with the command (the service's, else its Dockerfile target's CMD) and the
 * environment each would get in its container. Service host names become 127.0.0.1, published ports free ones,
 * named volumes, tmpfs and secrets temporary folders. The README's example calls then go through the gateway.
 */
interface Service {
  profiles?: string[];
  build?: { context: string; target: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  volumes?: string[];
  tmpfs?: string[];
  secrets?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  restart?: string;
  user?: string;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
}

const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as ComposeFile;
const dockerfile = readDockerfile(join(REPO_ROOT, 'Dockerfile'));
const gateways = Object.entries(compose.services).filter(([, s]) => s.build?.target === 'runtime');

/** Compose's variable interpolation with the given shell environment: `${V}`, `${V:-d}`, `${V-d}`, `$$`. */
function interpolate(value: string, shell: Record<string, string>): string {
  return value.replace(
    /\$\$|\$\{([A-Z0-9_]+)(?:(:?-)([^}]*))?\}/g,
    (whole, name?: string, op?: string, fallback?: string) => {
      if (whole === '$$') return '$';
      const set = shell[name!];
      if (op === ':-') return set ? set : fallback!;
      if (op === '-') return set !== undefined ? set : fallback!;
      return set ?? '';
    },
  );
}

function environment(service: Service, shell: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), shell)]),
  );
}

describe('docker-compose.yml', () => {
  it('passes every variable of the README configuration table to each gateway service', () => {
    const documented = configurationTableVariables();
    expect(documented).toEqual(
      expect.arrayContaining(['AUTH_ISSUER', 'AZURE_CLIENT_SECRET_FILE', 'LOG_LEVEL']),
    );
    expect(gateways.map(([name]) => name).sort()).toEqual([
      'gateway',
      'gateway-1',
      'gateway-2',
      'gateway-sandbox',
    ]);
    for (const [name, service] of gateways) {
      const missing = documented.filter((variable) => !(variable in (service.environment ?? {})));
      expect({ service: name, missing }).toEqual({ service: name, missing: [] });
    }
  });

  it('passes the shell variables through, empty when unset, and never a secret value of its own', () => {
    const gateway = compose.services.gateway;
    for (const [name, raw] of Object.entries(gateway.environment!)) {
      if (['NODE_ENV', 'HOST', 'PORT'].includes(name)) continue;
      expect({ name, raw: String(raw) }).toEqual({
        name,
        raw: expect.stringMatching(new RegExp(`^\\$\\{${name}:?-`)),
      });
    }
    const env = environment(gateway, {});
    expect(env).toMatchObject({ NODE_ENV: 'production', AZURE_CLIENT_ID: '', AZURE_CLIENT_SECRET: '' });
    expect(environment(gateway, { AUTH_ISSUER: 'https://login.example/t/v2.0' }).AUTH_ISSUER).toBe(
      'https://login.example/t/v2.0',
    );
  });

  it('hands credentials over as compose secrets mounted as files', () => {
    expect(compose.secrets.azure_client_secret.file).toMatch(/^\.\/secrets\//);
    expect(compose.secrets.azure_client_certificate.file).toMatch(/^\.\/secrets\//);
    const gateway = compose.services.gateway;
    expect(gateway.secrets).toEqual(['azure_client_secret', 'azure_client_certificate']);
    const env = environment(gateway, {});
    expect(env.AZURE_CLIENT_SECRET_FILE).toBe('/run/secrets/azure_client_secret');
    // The certificate instead: the secret file unset, the certificate path set (the README's recipe).
    const withCertificate = environment(gateway, {
      AZURE_CLIENT_SECRET_FILE: '',
      AZURE_CLIENT_CERTIFICATE_PATH: '/run/secrets/azure_client_certificate',
    });
    expect([withCertificate.AZURE_CLIENT_SECRET_FILE, withCertificate.AZURE_CLIENT_CERTIFICATE_PATH]).toEqual(
      ['', '/run/secrets/azure_client_certificate'],
    );
  });

  it('runs every service read-only, without capabilities or privilege escalation, with a tmpfs /tmp', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect({
        name,
        read_only: service.read_only,
        cap_drop: service.cap_drop,
        security_opt: service.security_opt,
        tmp: service.tmpfs?.some((t) => t.startsWith('/tmp')),
        restart: service.restart,
      }).toEqual({
        name,
        read_only: true,
        cap_drop: ['ALL'],
        security_opt: ['no-new-privileges:true'],
        tmp: true,
        // A configuration error exits 1: a bounded retry, never `always`/`unless-stopped` looping forever.
        restart: expect.stringMatching(/^on-failure:\d+$/),
      });
      expect(service.healthcheck?.test?.[0]).toBe('CMD');
    }
    for (const [, service] of gateways)
      expect(service.healthcheck!.test.join(' ')).toMatch(/\/(healthz|readyz)\b/);
    expect(lastValue(dockerfile, 'runtime', 'USER')).toBe('node');
    expect(lastValue(dockerfile, 'sandbox', 'USER')).toBe('node');
    expect(compose.services.redis.user).toMatch(/^\d+:\d+$/);
  });

  it('gives each gateway more time to stop than its shutdown takes (docker stops after 10 s by default)', () => {
    /** Compose's duration syntax as used here: `40s`, `1m30s`. */
    const seconds = (duration: string | undefined) =>
      duration === undefined
        ? 10
        : [...duration.matchAll(/(\d+)(m|s)/g)].reduce(
            (sum, [, n, unit]) => sum + Number(n) * (unit === 'm' ? 60 : 1),
            0,
          );
    for (const [name, service] of gateways) {
      const env = environment(service);
      expect(env.NODE_ENV).toBe('production');
      // The gateway's production defaults (README): a 5 s drain, then up to 25 s for the requests in flight.
      const budgetMs =
        Number(env.SHUTDOWN_DRAIN_DELAY_MS || 5_000) + Number(env.SHUTDOWN_TIMEOUT_MS || 25_000);
      const graceMs = seconds(service.stop_grace_period) * 1000;
      expect({ name, graceAboveBudget: graceMs > budgetMs }).toEqual({ name, graceAboveBudget: true });
    }
  });

  it('has a replicas profile: Redis and two gateways that share it', () => {
    const [one, two] = [compose.services['gateway-1'], compose.services['gateway-2']];
    expect(compose.services.redis.profiles).toEqual(['replicas']);
    for (const replica of [one, two]) {
      expect(replica.profiles).toEqual(['replicas']);
      expect(environment(replica).REDIS_URL).toBe('redis://redis:6379');
      expect(replica.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    }
    expect(environment(one)).toEqual(environment(two));
    expect(one.ports).not.toEqual(two.ports);
  });

  describe('the sandbox profile, run as processes', () => {
    const profile = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('sandbox'));
    const temp = mkdtempSync(join(tmpdir(), 'usage-budget-compose-'));
    const running: Array<{ name: string; process: RunningProcess }> = [];
    let gatewayUrl: string;
    const hostPorts = new Map<string, number>();

    afterAll(async () => {
      for (const { process } of running.reverse()) await process.stop();
      rmSync(temp, { recursive: true, force: true });
    });

    beforeAll(async () => {
      // The README's examples are curl commands, run as written.
      if ((await runToExit('/bin/sh', ['-c', 'command -v curl'], { cwd: temp, env: baseEnv() })).code !== 0)
        throw new Error('curl is missing: install it with `apt-get update && apt-get install -y curl`');
      expect(profile.map(([name]) => name).sort()).toEqual(['gateway-sandbox', 'sandbox']);
      // Published ports: one free loopback port per service port; `service:port` in any value points there.
      for (const [name, service] of profile) {
        for (const mapping of service.ports ?? []) {
          const containerPort = mapping
            .split(':')
            .pop()!
            .replace(/\/tcp$/, '');
          hostPorts.set(`${name}:${containerPort}`, await freePort());
        }
      }
      const volumes = new Map(Object.keys(compose.volumes).map((v) => [v, join(temp, `volume-${v}`)]));
      for (const dir of volumes.values()) mkdirSync(dir);

      const started = new Set<string>();
      for (let round = 0; round < profile.length && started.size < profile.length; round++) {
        for (const [name, service] of profile) {
          if (started.has(name)) continue;
          if (Object.keys(service.depends_on ?? {}).some((dependency) => !started.has(dependency))) continue;
          for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
            expect({ dependency, condition }).toEqual({ dependency, condition: 'service_healthy' });
          }
          const mounts: Array<[string, string]> = [];
          for (const volume of service.volumes ?? []) {
            const [source, target] = volume.split(':');
            expect(volumes.has(source)).toBe(true);
            mounts.push([target, volumes.get(source)!]);
          }
          const tmp = join(temp, `tmp-${name}`);
          mkdirSync(tmp);
          expect(service.secrets ?? []).toEqual([]); // the demo needs none; the default gateway's are checked above
          const ownPorts = [...hostPorts].filter(([key]) => key.startsWith(`${name}:`));
          const translate = (value: string): string => {
            let out = value;
            for (const [key, port] of hostPorts) out = out.split(key).join(`127.0.0.1:${port}`);
            for (const [target, dir] of mounts) out = out.split(target).join(dir);
            if (out === name || profile.some(([other]) => out === other)) return '127.0.0.1';
            if (out === '0.0.0.0') return '127.0.0.1'; // tests listen on the loopback only
            for (const [key, port] of ownPorts) if (out === key.split(':')[1]) return String(port);
            return out;
          };
          const target = service.build!.target;
          const env: Record<string, string> = { ...baseEnv(), TMPDIR: tmp };
          for (const [k, v] of Object.entries({ ...stageEnv(dockerfile, target), ...environment(service) })) {
            env[k] = translate(v);
          }
          const argv = service.command ?? stageCmd(dockerfile, target);
          expect(lastValue(dockerfile, target, 'WORKDIR')).toBe('/app'); // the repository stands in for /app
          const node = (a: string[]): [string, string[]] => [
            a[0] === 'node' ? process.execPath : a[0],
            a.slice(1),
          ];
          const child = startProcess(...node(argv), { cwd: REPO_ROOT, env });
          running.push({ name, process: child });
          const check = service.healthcheck!.test.slice(1).map(translate);
          await waitUntil(
            async () =>
              (await runToExit(...node(check), { cwd: REPO_ROOT, env, timeoutMs: 10_000 })).code === 0
                ? true
                : undefined,
            {
              timeoutMs: 30_000,
              intervalMs: 250,
              describe: () => `${name} never got healthy:\n${child.output()}`,
            },
          );
          if (service.build!.target === 'runtime') gatewayUrl = `http://127.0.0.1:${ownPorts[0][1]}`;
          started.add(name);
        }
      }
      expect([...started].sort()).toEqual(profile.map(([name]) => name).sort());
    }, 90_000);

    it('starts the gateway against the sandbox as against Partner Center, with caller tokens required', async () => {
      const env = environment(compose.services['gateway-sandbox']);
      expect(env).toMatchObject({
        NODE_ENV: 'production',
        PARTNER_CENTER: 'partner-center',
        PARTNER_CENTER_BASE_URL: 'https://sandbox:8443',
        AZURE_AUTHORITY_HOST: 'https://sandbox:8443',
        NODE_EXTRA_CA_CERTS: '/sandbox-state/ca.pem',
        AUTH_AUDIENCE: 'api://usage-budget-gateway',
      });
      expect(environment(compose.services.sandbox).SANDBOX_CLIENT_SECRET).toBe(env.AZURE_CLIENT_SECRET);
      const answer = await fetch(`${gatewayUrl}/v1/customers/${CONTOSO}/usagebudget`);
      expect(answer.status).toBe(401);
    });

    it("answers the README's example calls (REST GET and PATCH, GraphQL query and mutation, correlation)", async () => {
      const sandboxPort = hostPorts.get('sandbox:8443');
      const sandboxCa = join(temp, 'volume-sandbox-state', 'ca.pem');
      // A caller token from the sandbox's admin endpoint, as `npm run -s token` gets one.
      const issued = execFileSync(
        'curl',
        [
          '-s',
          '--cacert',
          sandboxCa,
          '-X',
          'POST',
          '-H',
          'content-type: application/json',
          '-d',
          JSON.stringify({ roles: ['UsageBudget.ReadWrite'] }),
          `https://127.0.0.1:${sandboxPort}/_sandbox/caller-tokens`,
        ],
        { encoding: 'utf8' },
      );
      const token = (JSON.parse(issued) as { access_token: string }).access_token;
      // The README's curl lines run as written; curl adds the bearer token from its config file.
      const home = join(temp, 'home');
      mkdirSync(home);
      writeFileSync(join(home, '.curlrc'), `header = "Authorization: Bearer ${token}"\n`, { mode: 0o600 });

      const examples = /^## Examples\s*\n+```bash\n([\s\S]*?)```/m.exec(readme())?.[1];
      expect(examples).toBeDefined();
      const customer = /^CUSTOMER=(\S+)/m.exec(examples!)?.[1];
      expect(customer).toBe(CONTOSO);
      const commands = examples!
        .replace(/\\\n\s*/g, ' ')
        .replace(/\n\s+(?=-d |"variables")/g, ' ')
        .split('\n')
        .filter((line) => line.startsWith('curl '))
        .map((line) => line.replace(/\s+#.*$/, ''));
      expect(commands.length).toBeGreaterThanOrEqual(6);
      const outputs: string[] = [];
      for (const command of commands) {
        const result = await runToExit('/bin/bash', ['-o', 'pipefail', '-c', command], {
          cwd: temp,
          env: { ...baseEnv(), HOME: home, GW: gatewayUrl, CUSTOMER: customer! },
          timeoutMs: 20_000,
        });
        expect({ command, code: result.code }).toEqual({ command, code: 0 });
        outputs.push(result.output);
      }
      const rest = outputs.filter((o, i) => commands[i].includes('/usagebudget') && o.startsWith('{'));
      const graphql = outputs.filter((o, i) => commands[i].includes('/graphql'));
      expect(rest.length).toBeGreaterThanOrEqual(3);
      for (const body of rest)
        expect(JSON.parse(body)).toMatchObject({
          amount: expect.any(Number),
          links: { self: { uri: `/v1/customers/${CONTOSO}/usagebudget` } },
        });
      expect(JSON.parse(rest[0]).amount).toBe(100);
      expect(graphql.length).toBe(2);
      for (const body of graphql) {
        const parsed = JSON.parse(body);
        expect(parsed.errors).toBeUndefined();
        expect(Object.values(parsed.data)[0]).toMatchObject({ customerId: CONTOSO });
      }
      expect(JSON.parse(graphql[1]).data.updateUsageBudget.amount).toBe(300);
      expect(outputs.some((o) => /ms-correlationid: 6b3a8c4e-8f0e-4e4a-9a59-2f1f0e9d1c11/i.test(o))).toBe(
        true,
      );

      const gatewayLogs = running.find((r) => r.name === 'gateway-sandbox')!.process.output();
      expect(gatewayLogs).not.toContain(token);
      expect(gatewayLogs).not.toContain(environment(compose.services.sandbox).SANDBOX_CLIENT_SECRET);
    });
  });
});
