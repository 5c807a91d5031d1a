import { cpus, loadavg, release, totalmem } from 'node:os';
import type { ContestantKey } from './contestants';
import type { LoadResult, Shape } from './load';
import type { PortalResult } from './portal';
import type { RssSummary } from './rss';

export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  os: string;
  /** 1-minute load average when the bench started: a busy machine makes every number noisy. */
  loadAverageAtStart: number;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    date: new Date().toISOString(),
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAverageAtStart: Math.round(loadavg()[0] * 100) / 100,
  };
}

export interface Ratio {
  name: string;
  value: number;
  target: string;
  met: boolean | null;
}

export interface BenchReport {
  machine: Machine;
  options: Record<string, unknown>;
  runs: LoadResult[];
  ratios: Ratio[];
  gatewayTokenRequests: number;
  gatewayRssMaxMb?: number;
  portal: PortalResult[];
  soak?: RssSummary & { seconds: number };
  skipped: string[];
}

/** The issue's targets, computed from runs of the same bench. */
export function computeRatios(
  runs: LoadResult[],
  gatewayTokenRequests: number,
  gatewayRssMaxMb: number | undefined,
): Ratio[] {
  const find = (key: ContestantKey, shape: Shape, connections: number, withLatency = false) =>
    runs.find(
      (r) =>
        r.contestant === key &&
        r.shape === shape &&
        r.connections === connections &&
        (withLatency ? r.latencyMs > 0 : r.latencyMs === 0),
    );
  const ratios: Ratio[] = [];
  const add = (name: string, value: number | undefined, target: string, met: (v: number) => boolean) => {
    if (value === undefined || Number.isNaN(value)) return;
    ratios.push({ name, value, target, met: met(value) });
  };
  for (const [shape, graphqlTarget, restTarget] of [
    ['distinct', 1.5, 0.45],
    ['hot', 2.5, 0.6],
  ] as const) {
    const graphql = find('graphql', shape, 50);
    const peer = find('peer', shape, 50);
    const rest = find('rest', shape, 50);
    const bare = find('bareProxy', shape, 50);
    if (graphql && peer) {
      add(
        `GraphQL / peer req/s, ${shape}`,
        graphql.requestsPerSecond / peer.requestsPerSecond,
        `≥ ${graphqlTarget}`,
        (v) => v >= graphqlTarget,
      );
      add(`GraphQL / peer p99, ${shape}`, graphql.p99Ms / peer.p99Ms, '< 1', (v) => v < 1);
    }
    if (rest && bare)
      add(
        `REST / bare proxy req/s, ${shape}`,
        rest.requestsPerSecond / bare.requestsPerSecond,
        `≥ ${restTarget}`,
        (v) => v >= restTarget,
      );
  }
  const direct = find('upstream', 'distinct', 10);
  for (const [key, limit] of [
    ['rest', 1],
    ['graphql', 2],
  ] as const) {
    const run = find(key, 'distinct', 10);
    if (run && direct)
      add(
        `added p50 ms, ${key === 'rest' ? 'REST' : 'GraphQL'}, 10 conns`,
        run.p50Ms - direct.p50Ms,
        `< ${limit}`,
        (v) => v < limit,
      );
  }
  // For reading the two above: what the limit of one hop adds in the same run (at 10 closed-loop connections the
  // p50 is mostly 10 ÷ throughput, so on a machine the load generator and the upstream share, the hop's own CPU shows),
  // and what each adds at one connection, where nothing queues.
  const bareAt10 = find('bareProxy', 'distinct', 10);
  if (bareAt10 && direct)
    ratios.push(reference('added p50 ms, bare proxy, 10 conns', bareAt10.p50Ms - direct.p50Ms));
  // What each adds over the direct upstream in the reference runs: one hot customer at 10 connections (coalescing
  // applies), Partner Center's latency at 10 connections, and one connection, where nothing queues.
  const addedP50 = (
    keys: readonly ContestantKey[],
    shape: Shape,
    connections: number,
    withLatency: boolean,
    describe: (run: LoadResult) => string,
  ) => {
    const base = find('upstream', shape, connections, withLatency);
    for (const key of keys) {
      const run = find(key, shape, connections, withLatency);
      if (run && base)
        ratios.push(reference(`added p50 ms, ${LABELS[key]}, ${describe(run)}`, run.p50Ms - base.p50Ms));
    }
  };
  addedP50(['bareProxy', 'rest', 'graphql'], 'hot', 10, false, () => 'hot, 10 conns');
  addedP50(
    ['bareProxy', 'rest', 'graphql', 'peer'],
    'distinct',
    10,
    true,
    (run) => `10 conns, +${latencyText(run)} ms upstream`,
  );
  addedP50(['bareProxy', 'rest', 'graphql', 'peer'], 'distinct', 1, false, () => '1 conn');
  add('gateway token requests, whole run', gatewayTokenRequests, '= 1', (v) => v === 1);
  add('gateway RSS max MB', gatewayRssMaxMb, '< 150', (v) => v < 150);
  return ratios;
}

const LABELS: Record<ContestantKey, string> = {
  upstream: 'upstream',
  bareProxy: 'bare proxy',
  rest: 'REST',
  graphql: 'GraphQL',
  peer: 'peer',
};

/** The upstream latency of a run: `50`, or `45..55` with jitter. */
function latencyText(run: LoadResult): string {
  return run.jitterMs ? `${run.latencyMs}..${run.latencyMs + run.jitterMs}` : `${run.latencyMs}`;
}

/** A figure shown next to the targets to read them by, with no target of its own. */
function reference(name: string, value: number): Ratio {
  return { name, value, target: '(reference)', met: null };
}

export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `usage-budget gateway bench — ${m.date}`,
    `machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.os}, node ${m.node}, load average at start ${m.loadAverageAtStart}`,
    '',
  ];
  const groups = new Map<string, LoadResult[]>();
  for (const run of report.runs) {
    const title = `${run.shape === 'hot' ? 'one hot customer' : 'distinct customers'}, ${run.connections} connections${run.latencyMs ? `, upstream latency ${latencyText(run)} ms` : ''}`;
    groups.set(title, [...(groups.get(title) ?? []), run]);
  }
  for (const [title, runs] of groups) {
    const direct = runs.find((r) => r.contestant === 'upstream');
    lines.push(`## ${title}`);
    lines.push(
      table(
        [
          'contestant',
          'req/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          '+p50 ms',
          'errors',
          'non-2xx',
          'RSS max/end MB',
          'upstream/req',
          '429s',
        ],
        runs.map((r) => [
          r.label,
          r.requestsPerSecond.toFixed(0),
          r.p50Ms.toFixed(2),
          r.p99Ms.toFixed(2),
          r.maxMs.toFixed(1),
          direct && r !== direct ? (r.p50Ms - direct.p50Ms).toFixed(2) : '',
          String(r.errors),
          String(r.non2xx),
          r.rss ? `${r.rss.maxMb.toFixed(0)}/${r.rss.endMb.toFixed(0)}` : '',
          r.upstreamCallsPerRequest.toFixed(3),
          String(r.upstreamThrottled),
        ]),
      ),
      '',
    );
  }
  if (report.portal.length) {
    lines.push('## portal: 200 customers at once, upstream throttled');
    lines.push(
      table(
        [
          'variant',
          'total ms',
          'budgets',
          'upstream calls',
          '429s',
          'minimum ms',
          '× minimum',
          'first error',
        ],
        report.portal.map((p) => [
          p.variant,
          p.totalMs.toFixed(0),
          `${p.budgets}/${p.customers}`,
          String(p.upstreamCalls),
          String(p.upstreamThrottled),
          String(p.minimumMs),
          p.ratioToMinimum.toFixed(2),
          (p.firstError ?? '').slice(0, 90),
        ]),
      ),
      '',
    );
  }
  lines.push('## ratios (same run)');
  lines.push(
    table(
      ['measure', 'value', 'target', 'met'],
      report.ratios.map((r) => [
        r.name,
        r.value.toFixed(2),
        r.target,
        r.met === null ? '' : r.met ? 'yes' : 'no',
      ]),
    ),
  );
  if (report.soak)
    lines.push(
      '',
      `soak ${report.soak.seconds} s: gateway RSS start ${report.soak.startMb.toFixed(0)} MB, max ${report.soak.maxMb.toFixed(0)} MB, end ${report.soak.endMb.toFixed(0)} MB`,
    );
  for (const line of report.skipped) lines.push('', `skipped: ${line}`);
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = (i: number) => i > 0 && rows.every((r) => r[i] === '' || /^[-\d.,/]+$/.test(r[i]));
  const format = (cells: string[]) =>
    '| ' + cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
  return [
    format(header),
    '|' + widths.map((w, i) => (numeric(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|',
    ...rows.map(format),
  ].join('\n');
}
