import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { graphqlRead, graphqlSucceeded, type Contestant } from './contestants';
import { callJson } from './https-json';
import { freePort } from './ports';
import { startChild, waitUntil, type Child } from './processes';
import type { Upstream } from './upstream';

/** Outside the project: its node_modules (~530 MB) never enters the repository or the gateway's dependencies. */
export const PEER_DIR = join(
  process.env.XDG_CACHE_HOME || join(homedir(), '.cache'),
  'usage-budget-gateway',
  'bench-peer',
);

const PACKAGES = ['@graphql-mesh/compose-cli', '@omnigraph/openapi', '@graphql-hive/gateway'];
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** Installs the peer into PEER_DIR unless it is there; returns why it cannot be used, or undefined. */
export function ensurePeerInstalled(log: (line: string) => void): string | undefined {
  if (existsSync(bin('hive-gateway')) && existsSync(bin('mesh-compose'))) return undefined;
  mkdirSync(PEER_DIR, { recursive: true });
  writeFileSync(
    join(PEER_DIR, 'package.json'),
    JSON.stringify(
      { name: 'bench-peer', private: true, overrides: { '@graphql-tools/batch-execute': '10.2.0' } },
      null,
      2,
    ),
  );
  log(`peer: installing ${PACKAGES.join(' ')} into ${PEER_DIR} (once, ~1-2 min)`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['install', '--no-audit', '--no-fund', ...PACKAGES], {
    cwd: PEER_DIR,
    encoding: 'utf8',
    timeout: INSTALL_TIMEOUT_MS,
  });
  if (result.status !== 0) {
    const reason = (result.stderr || result.error?.message || '').trim().split('\n').slice(-1)[0];
    return `npm install failed in ${PEER_DIR}: ${reason}`;
  }
  return existsSync(bin('hive-gateway')) ? undefined : 'hive-gateway missing after npm install';
}

/**
 * GraphQL Mesh composes a supergraph from an OpenAPI description of the two operations; Hive Gateway serves it,
 * sending the bearer token it is configured with (PARTNER_CENTER_TOKEN) on every upstream call.
 */
export async function startPeer(
  upstream: Upstream,
  token: string,
  logDir: string,
): Promise<{ contestant: Contestant; child: Child }> {
  const runDir = join(PEER_DIR, 'run');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'openapi.json'), JSON.stringify(OPENAPI, null, 2));
  writeFileSync(join(runDir, 'mesh.config.ts'), MESH_CONFIG);
  const composed = spawnSync(
    process.execPath,
    [realpathSync(bin('mesh-compose')), '-o', 'supergraph.graphql'],
    {
      cwd: runDir,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  if (composed.status !== 0)
    throw new Error(`mesh-compose failed: ${(composed.stderr || composed.stdout).trim().slice(-500)}`);

  const port = await freePort();
  const child = startChild(
    'peer',
    process.execPath,
    [
      realpathSync(bin('hive-gateway')),
      'supergraph',
      'supergraph.graphql',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--fork',
      '1',
    ],
    {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        NODE_EXTRA_CA_CERTS: upstream.caCertPath,
        PARTNER_CENTER_BASE_URL: upstream.url,
        PARTNER_CENTER_TOKEN: token,
      },
      cwd: runDir,
      logDir,
    },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntil(
    child,
    async () => (await callJson(`${baseUrl}/healthcheck`, { timeoutMs: 1000 })).status === 200,
    60_000,
  );
  return {
    child,
    contestant: {
      key: 'peer',
      label: 'peer (Hive Gateway)',
      baseUrl,
      pid: child.pid,
      read: (id) =>
        graphqlRead(`{ customerUsageBudget(customerId: "${id}") { amount usageSpendingBudget } }`, {}),
      succeeded: graphqlSucceeded,
    },
  };
}

function bin(name: string): string {
  return join(PEER_DIR, 'node_modules', '.bin', name);
}

const MESH_CONFIG = `import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('PartnerCenter', {
        source: './openapi.json',
        endpoint: '{env.PARTNER_CENTER_BASE_URL}',
        operationHeaders: { Authorization: 'Bearer {env.PARTNER_CENTER_TOKEN}' },
      }),
    },
  ],
});
`;

const SPENDING_BUDGET = { $ref: '#/components/schemas/SpendingBudget' };

/** Partner Center's two usage-budget operations, as a client would describe them. */
const OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'Partner Center customer usage budget', version: 'v1' },
  paths: {
    '/v1/customers/{customerId}/usagebudget': {
      parameters: [{ name: 'customerId', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        operationId: 'customerUsageBudget',
        responses: {
          '200': { description: 'the budget', content: { 'application/json': { schema: SPENDING_BUDGET } } },
        },
      },
      patch: {
        operationId: 'updateCustomerUsageBudget',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/SpendingBudgetUpdate' } } },
        },
        responses: {
          '200': { description: 'the budget', content: { 'application/json': { schema: SPENDING_BUDGET } } },
        },
      },
    },
  },
  components: {
    schemas: {
      SpendingBudget: {
        type: 'object',
        properties: {
          amount: { type: 'number', nullable: true },
          usageSpendingBudget: { type: 'number', nullable: true },
        },
      },
      SpendingBudgetUpdate: {
        type: 'object',
        required: ['Amount'],
        properties: { Amount: { type: 'number' } },
      },
    },
  },
};
