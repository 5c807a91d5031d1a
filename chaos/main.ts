import { runChaos } from './run';

/** `npm run chaos -- [--seed N] [--seconds N] [--clients N]`: prints the report; exits 1 when a target is missed. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number): number => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const value = Number(args[i + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive whole number`);
    return value;
  };
  const seed = flag('seed', 1);
  const seconds = flag('seconds', 120);
  const clients = flag('clients', 20);
  console.log(`chaos: seed ${seed}, ${seconds} s, ${clients} clients (half readers, half writers)`);
  const report = await runChaos({ seed, seconds, clients, log: (line) => console.log(`  ${line}`) });
  const w = report.writes;
  console.log(
    [
      `reads ok:        ${report.reads.okPercent.toFixed(3)}% (${report.reads.ok}/${report.reads.total})`,
      `writes:          ${w.total}: applied once ${w.appliedOnce}, lost ${w.lost}, doubled ${w.doubled}, ` +
        `failed (not applied) ${w.failedNotApplied}, failed but applied ${w.failedButApplied}, ` +
        `outcome unknown ${w.outcomeUnknown} (of which applied ${w.outcomeUnknownApplied})`,
      `5xx by code:     ${JSON.stringify(report.serverErrors)}`,
      `crashes:         ${report.crashes}, unhandled rejections: ${report.unhandledRejections}`,
      `RSS:             ${report.rssMb.start} MB at start, ${report.rssMb.end} MB at end`,
      `latency:         p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms`,
      `upstream:        ${report.upstream.partnerCenterRequests} Partner Center requests, ` +
        `${report.upstream.tokenRequests} token requests, ${report.upstream.sandboxPatchesApplied} PATCHes applied (sandbox count)`,
      report.targetsMissed.length
        ? `TARGETS MISSED:  ${report.targetsMissed.join('; ')}`
        : 'targets:         all met',
    ].join('\n'),
  );
  process.exitCode = report.targetsMissed.length ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
