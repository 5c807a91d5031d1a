// `npm run bench`: the sandbox as Partner Center, then the same load against the upstream, a bare proxy, the
// gateway's REST and GraphQL APIs and the peer, in one run on one machine. Prints a table, writes bench-results/.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { extraCustomerId } from 'partner-center-sandbox';
import { directUpstream, startBareProxy, startGateway, type Contestant } from './contestants';
import { runLoad, warmUp, type LoadResult, type LoadSpec } from './load';
import { parseOptions, type BenchOptions } from './options';
import { imageTree } from './image-tree';
import { ensurePeerInstalled, startPeer } from './peer';
import { runPortal } from './portal';
import { stopAllChildren } from './processes';
import { computeRatios, describeMachine, formatReport, type BenchReport } from './report';
import { startUpstream, type Upstream } from './upstream';

const ROOT = resolve(__dirname, '..', '..');
/** The spread of the upstream's latency in the 10-connection latency run, around --latency's mean. */
const LATENCY_JITTER_MS = 10;

async function main(options: BenchOptions, logDir: string, cleanups: (() => Promise<void>)[]): Promise<void> {
  const machine = describeMachine();
  const log = (line: string) => console.error(`[bench] ${line}`);
  log(`process logs in ${logDir}`);

  const upstream: Upstream = await startUpstream({
    inProcess: options.sandboxInProcess,
    extraCustomers: options.customers,
    logDir,
  });
  cleanups.push(() => upstream.stop());
  const customers = Array.from({ length: options.customers }, (_, i) => extraCustomerId(i + 1));
  // The one token the upstream, the bare proxy and the peer use; every later token request is the gateway's.
  const token = await upstream.appToken();

  const contestants: Contestant[] = [directUpstream(upstream, token)];
  contestants.push((await startBareProxy(upstream, token, logDir)).contestant);
  const tokensBeforeGateway = (await upstream.stats()).tokenRequests;
  const gateway = await startGateway(upstream, ROOT, logDir, imageTree(ROOT, options.outDir, log));
  contestants.push(gateway.rest, gateway.graphql);
  log(`gateway ready (pid ${gateway.child.pid})`);

  const skipped: string[] = [];
  let peer: Contestant | undefined;
  if (options.peer) {
    const reason = ensurePeerInstalled(log);
    if (reason) skipped.push(`peer (GraphQL Mesh / Hive Gateway): ${reason}`);
    else {
      peer = (
        await startPeer(upstream, token, logDir).catch((error: unknown) => {
          skipped.push(
            `peer (GraphQL Mesh / Hive Gateway): ${error instanceof Error ? error.message : error}`,
          );
          return undefined;
        })
      )?.contestant;
      if (peer) contestants.push(peer);
    }
  } else skipped.push('peer: --no-peer');
  for (const line of skipped) log(`skipped: ${line}`);

  for (const contestant of contestants) {
    log(`warming up ${contestant.label}`);
    await warmUp(contestant, options.warmupSeconds, customers, upstream);
  }

  const d = options.durationSeconds;
  const groups: LoadSpec[] = [
    { shape: 'distinct', connections: 50, durationSeconds: d, latencyMs: 0 },
    { shape: 'hot', connections: 50, durationSeconds: d, latencyMs: 0 },
    { shape: 'distinct', connections: 10, durationSeconds: d, latencyMs: 0 },
    // A portal's landing page at 10 connections: what the hop adds when coalescing applies (a reference).
    { shape: 'hot', connections: 10, durationSeconds: d, latencyMs: 0 },
    // One connection: the hop's own latency, with nothing queued behind it (a reference for the added p50).
    { shape: 'distinct', connections: 1, durationSeconds: Math.max(2, Math.ceil(d / 2)), latencyMs: 0 },
    { shape: 'distinct', connections: 50, durationSeconds: d, latencyMs: options.latencyMs },
    // What a caller feels at 10 connections when Partner Center takes its real, varying time (a reference for the
    // added p50). The jitter matters: with a fixed delay the 10 answers leave the sandbox together and queue behind
    // each other in whatever is between, so the p50 would measure that burst, not the hop.
    {
      shape: 'distinct',
      connections: 10,
      durationSeconds: d,
      latencyMs: options.latencyMs - LATENCY_JITTER_MS / 2,
      jitterMs: LATENCY_JITTER_MS,
    },
  ];
  const runs: LoadResult[] = [];
  for (const spec of groups) {
    if (spec.latencyMs)
      await upstream.addFault({ kind: 'latency', latencyMs: spec.latencyMs, jitterMs: spec.jitterMs });
    for (const contestant of contestants) {
      log(
        `${contestant.label}: ${spec.shape}, ${spec.connections} connections${spec.latencyMs ? `, +${spec.latencyMs}${spec.jitterMs ? `..${spec.latencyMs + spec.jitterMs}` : ''} ms upstream` : ''}, ${spec.durationSeconds} s`,
      );
      runs.push(await runLoad(contestant, spec, customers, upstream));
    }
    if (spec.latencyMs) await upstream.clearFaults();
  }

  log('portal scenario');
  const portal = await runPortal(
    {
      customers: customers.slice(0, options.portal.customers),
      windowMs: options.portal.windowMs,
      perPartner: options.portal.perPartner,
    },
    { rest: gateway.rest, graphql: gateway.graphql, peer },
    upstream,
  );

  let soak: BenchReport['soak'];
  if (options.soak) {
    log(`soak: gateway GraphQL, distinct customers, 50 connections, ${options.soakSeconds} s`);
    const run = await runLoad(
      gateway.graphql,
      { shape: 'distinct', connections: 50, durationSeconds: options.soakSeconds, latencyMs: 0 },
      customers,
      upstream,
    );
    if (run.rss) soak = { ...run.rss, seconds: options.soakSeconds };
  }

  const gatewayTokenRequests = (await upstream.stats()).tokenRequests - tokensBeforeGateway;
  const gatewayRss = runs
    .filter((r) => r.contestant === 'rest' || r.contestant === 'graphql')
    .map((r) => r.rss?.maxMb ?? 0);
  const gatewayRssMaxMb = gatewayRss.length ? Math.max(...gatewayRss, soak?.maxMb ?? 0) : undefined;
  const report: BenchReport = {
    machine,
    options: { ...options },
    runs,
    ratios: computeRatios(runs, gatewayTokenRequests, gatewayRssMaxMb),
    gatewayTokenRequests,
    gatewayRssMaxMb,
    portal,
    soak,
    skipped,
  };
  console.log(formatReport(report));
  const outDir = resolve(ROOT, options.outDir);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${machine.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  console.log(`\nresults: ${file}`);
}

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
/** Once: an interrupt and the failure it causes in main() both clean up. */
function cleanUp(): Promise<void> {
  return (cleaning ??= stopEverything());
}
async function stopEverything(): Promise<void> {
  await Promise.allSettled([stopAllChildren(), ...cleanups.map((c) => c())]);
  // Kept on purpose, whatever the outcome, and named again last (the first mention scrolled away behind the table):
  // the bench's own messages point into it (a child that was not ready names its log), and it is the only record of
  // what the gateway, the sandbox and the peer said. The sandbox's own files are not in it (processes.ts, tempDirIn).
  console.error(`[bench] process logs kept in ${logDir}`);
}
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n[bench] ${signal}: stopping every process the bench started`);
    cleanUp().finally(() => process.exit(130));
  });
}

let options: BenchOptions;
try {
  options = parseOptions(process.argv.slice(2), process.env);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}
// Made here, before anything can call cleanUp (which names it): everything up to main() runs in one go.
const logDir = mkdtempSync(join(tmpdir(), 'usage-budget-bench-'));
main(options, logDir, cleanups)
  .then(cleanUp, async (error: unknown) => {
    console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    await cleanUp();
    process.exitCode = 1;
  })
  .then(() => process.exit());
