/**
 * The layer rules, checked by `npm run lint` (and so by CI). Folders depend in one direction only:
 *   common, config, request-context          (depend on nothing else of the gateway)
 *   observability                            (logger, metrics, tracing: every layer may report to it)
 *   auth, partner-center                     (inbound identity; the outbound side: pipeline, credentials)
 *   problem → audit → usage-budget           (presentation of failures; the use case and its two adapters)
 *   graphql, hardening, observability, health, sandbox-mode, the root files
 * and the Partner Center sandbox (its own package) imports nothing from the gateway.
 */
const allowed = {
  common: [],
  config: ['common'],
  'request-context': ['common'],
  'shared-state': ['common', 'config'],
  auth: ['common', 'config', 'request-context'],
  'partner-center': ['common', 'config', 'request-context', 'shared-state', 'observability'],
  problem: ['common', 'request-context', 'auth', 'partner-center'],
  audit: ['problem', 'request-context', 'observability'],
  'usage-budget': [
    'common',
    'config',
    'request-context',
    'shared-state',
    'auth',
    'partner-center',
    'problem',
    'audit',
    'observability',
  ],
  graphql: ['common', 'request-context', 'auth', 'problem', 'usage-budget'],
  hardening: ['common', 'config', 'request-context', 'shared-state', 'problem'],
  observability: ['common', 'request-context', 'auth'],
  health: ['auth', 'partner-center', 'shared-state', 'observability', 'problem'],
  'sandbox-mode': ['config', 'auth', 'partner-center'],
};

const layerRules = Object.entries(allowed).map(([folder, may]) => ({
  name: `layer-${folder}`,
  comment: `src/${folder}/ may import only from ${may.length ? may.map((f) => `src/${f}/`).join(', ') : 'nothing else of the gateway'}`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: '^src/', pathNot: [`^src/(${[folder, ...may].join('|')})/`, '^src/gateway-config\\.ts$'] },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'sandbox-imports-nothing-of-the-gateway',
      comment: 'The emulator must be able to catch the client’s mistakes: it shares no code with it.',
      severity: 'error',
      from: { path: '^sandbox/' },
      to: { path: '^src/' },
    },
    {
      name: 'gateway-uses-the-sandbox-only-in-sandbox-mode',
      comment:
        'Only src/sandbox-mode/ loads the sandbox package (a dev dependency, absent from the production image).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/sandbox-mode/' },
      to: { path: ['^sandbox/', 'partner-center-sandbox'] },
    },
    {
      name: 'use-case-does-not-know-its-adapters',
      comment:
        'The usage-budget service depends on the Partner Center module, never on GraphQL or REST presentation.',
      severity: 'error',
      from: {
        path: '^src/usage-budget/(usage-budget\\.service|idempotency|usage-budget\\.rules|customer-budget)\\.ts$',
      },
      to: { path: ['^src/problem/', '^src/graphql/', '@nestjs/graphql', '@nestjs/swagger', 'fastify'] },
    },
    {
      name: 'nothing-imports-the-entry-points',
      severity: 'error',
      from: { pathNot: '^src/(main|bootstrap|graphql/generate-schema)\\.ts$' },
      to: { path: '^src/(main|bootstrap|app\\.module)\\.ts$' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)dist/', '\\.d\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
  },
};
