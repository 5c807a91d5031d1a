import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callJson } from './https-json';
import { freePort } from './ports';
import { readyMessage, startChild, waitUntil, type Child } from './processes';
import type { Upstream } from './upstream';

export type ContestantKey = 'upstream' | 'bareProxy' | 'rest' | 'graphql' | 'peer';

export interface RequestShape {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** One thing the load is driven against: where, how a read of one customer looks, and whose RSS to report. */
export interface Contestant {
  key: ContestantKey;
  label: string;
  baseUrl: string;
  /** CA to trust when baseUrl is https. */
  ca?: string;
  /** The process whose memory is reported (the gateway's for both of its APIs). */
  pid?: number;
  read(customerId: string): RequestShape;
  /** True when a 2xx answer really carries a budget (GraphQL answers 200 with errors). */
  succeeded(status: number, body: unknown): boolean;
}

export function directUpstream(upstream: Upstream, token: string): Contestant {
  return {
    key: 'upstream',
    label: 'upstream directly',
    baseUrl: upstream.url,
    ca: upstream.caCertPem,
    read: (id) => ({ method: 'GET', path: budgetPath(id), headers: { authorization: `Bearer ${token}` } }),
    succeeded: (status) => status === 200,
  };
}

export async function startBareProxy(
  upstream: Upstream,
  token: string,
  logDir: string,
): Promise<{ contestant: Contestant; child: Child }> {
  const child = startChild('bare-proxy', process.execPath, [join(__dirname, 'bare-proxy.js')], {
    env: {
      ...process.env,
      BENCH_UPSTREAM_URL: upstream.url,
      BENCH_UPSTREAM_TOKEN: token,
      BENCH_UPSTREAM_CA_PATH: upstream.caCertPath,
    },
    logDir,
    ipc: true,
  });
  const { port } = await readyMessage<{ port: number }>(child, 15_000);
  return {
    child,
    contestant: {
      key: 'bareProxy',
      label: 'bare Node proxy',
      baseUrl: `http://127.0.0.1:${port}`,
      pid: child.pid,
      read: (id) => ({ method: 'GET', path: budgetPath(id), headers: {} }),
      succeeded: (status) => status === 200,
    },
  };
}

/**
 * The Node flags of the production image's command (the runtime stage's CMD, the Dockerfile's last): V8's heap bounds
 * decide the gateway's RSS under load, so the bench runs it with exactly those, read from where they are set.
 */
function productionNodeArgs(root: string): string[] {
  const commands = [...readFileSync(join(root, 'Dockerfile'), 'utf8').matchAll(/^CMD (\[.*\])\s*$/gm)];
  const argv = JSON.parse(commands[commands.length - 1]?.[1] ?? '[]') as string[];
  if (argv[0] !== 'node' || argv[argv.length - 1] !== 'dist/main.js')
    throw new Error(`the Dockerfile's last CMD is not node [flags] dist/main.js: ${JSON.stringify(argv)}`);
  return argv.slice(1, -1);
}

/**
 * The environment the production image sets for the gateway (the runtime stage's ENV, the Dockerfile's last stage),
 * such as glibc's malloc tuning, which moves the RSS; the bench sets its own HOST and PORT.
 */
function productionEnvironment(root: string): NodeJS.ProcessEnv {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages = text.split(/^FROM /m);
  const env: NodeJS.ProcessEnv = {};
  for (const [, pairs] of stages[stages.length - 1].matchAll(/^ENV (.*)$/gm))
    for (const pair of pairs.trim().split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq < 1) throw new Error(`the Dockerfile's runtime ENV is not KEY=value: ${pair}`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  delete env.HOST;
  delete env.PORT;
  return env;
}

/**
 * The gateway as in production: `node dist/main.js` with the image's Node flags and environment, NODE_ENV=production, real MSAL
 * against the sandbox as if it were Partner Center, callers authenticated with the sandbox's tokens
 * (AUTH_ISSUER/AUTH_AUDIENCE), rate limit off.
 */
export async function startGateway(
  upstream: Upstream,
  root: string,
  logDir: string,
  /** Where dist/ and node_modules are, when not in root (the image's tree: image-tree.ts). */
  files: string = root,
): Promise<{ rest: Contestant; graphql: Contestant; child: Child }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...productionEnvironment(root),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    RATE_LIMIT_PER_MINUTE: '0',
    SHUTDOWN_DRAIN_DELAY_MS: '0', // no load balancer to drain from: stop at once when the bench ends
    PARTNER_CENTER_BASE_URL: upstream.url,
    AZURE_AUTHORITY_HOST: upstream.url,
    AZURE_TENANT_ID: upstream.tenantId,
    AZURE_CLIENT_ID: upstream.clientId,
    AZURE_CLIENT_SECRET: upstream.clientSecret,
    NODE_EXTRA_CA_CERTS: upstream.caCertPath,
    AUTH_ISSUER: `${upstream.url}/${upstream.tenantId}/v2.0`,
    AUTH_AUDIENCE: 'api://usage-budget-gateway',
  };
  // e.g. BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the gateway under load.
  const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...productionNodeArgs(root), ...nodeArgs, join(files, 'dist', 'main.js')];
  const child = startChild('gateway', process.execPath, args, { env, logDir, cwd: files });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntil(
    child,
    async () => (await callJson(`${baseUrl}/healthz`, { timeoutMs: 1000 })).status === 200,
    30_000,
  );
  const authorization = `Bearer ${upstream.callerToken}`;
  const rest: Contestant = {
    key: 'rest',
    label: 'gateway REST',
    baseUrl,
    pid: child.pid,
    read: (id) => ({ method: 'GET', path: budgetPath(id), headers: { authorization } }),
    succeeded: (status) => status === 200,
  };
  const graphql: Contestant = {
    key: 'graphql',
    label: 'gateway GraphQL',
    baseUrl,
    pid: child.pid,
    read: (id) =>
      graphqlRead(`{ customerUsageBudget(customerId: "${id}") { customerId amount } }`, { authorization }),
    succeeded: graphqlSucceeded,
  };
  return { rest, graphql, child };
}

export function graphqlRead(query: string, headers: Record<string, string>): RequestShape {
  return {
    method: 'POST',
    path: '/graphql',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  };
}

export function graphqlSucceeded(status: number, body: unknown): boolean {
  return status === 200 && typeof body === 'object' && body !== null && !('errors' in body) && 'data' in body;
}

export function budgetPath(customerId: string): string {
  return `/v1/customers/${customerId}/usagebudget`;
}
