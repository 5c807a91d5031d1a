/** What one `npm run bench` does, from flags (and BENCH_* variables for the durations). */
export interface BenchOptions {
  /** Seconds of load per measured run. */
  durationSeconds: number;
  /** Seconds of load per contestant before its first measured run (JIT, connection pools, token caches). */
  warmupSeconds: number;
  quick: boolean;
  /** Adds a run of soakSeconds sampling the gateway's RSS. */
  soak: boolean;
  soakSeconds: number;
  /** Install (when needed) and measure the peer. */
  peer: boolean;
  /** Run the sandbox in the bench's own process instead of a child (to measure what that choice costs). */
  sandboxInProcess: boolean;
  /** How many customers the distinct shape rotates through (≥ 1000). */
  customers: number;
  /** Upstream latency of the latency run. */
  latencyMs: number;
  portal: { customers: number; windowMs: number; perPartner: number };
  outDir: string;
}

const HELP = `npm run bench -- [--quick] [--soak] [--duration=S] [--warmup=S] [--no-peer] [--sandbox-in-process]
  --quick               a few seconds per run (smoke test)
  --soak                adds a 2-minute run sampling the gateway's RSS (--soak-seconds=S to change)
  --duration=S          seconds per run (default 10, BENCH_DURATION_SECONDS)
  --warmup=S            seconds of warm-up per contestant (default 2)
  --no-peer             skip GraphQL Mesh / Hive Gateway
  --sandbox-in-process  run the sandbox in the load generator's process`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument '${arg}'\n${HELP}`);
    flags.set(match[1], match[2] ?? 'true');
  }
  const known = [
    'quick',
    'soak',
    'soak-seconds',
    'duration',
    'warmup',
    'no-peer',
    'sandbox-in-process',
    'help',
  ];
  for (const name of flags.keys())
    if (!known.includes(name)) throw new Error(`unknown flag --${name}\n${HELP}`);
  if (flags.has('help')) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = flags.has('quick');
  return {
    durationSeconds: seconds(flags.get('duration') ?? env.BENCH_DURATION_SECONDS, quick ? 3 : 10, 'duration'),
    warmupSeconds: seconds(flags.get('warmup'), quick ? 1 : 2, 'warmup'),
    quick,
    soak: flags.has('soak'),
    soakSeconds: seconds(flags.get('soak-seconds'), 120, 'soak-seconds'),
    peer: !flags.has('no-peer'),
    sandboxInProcess: flags.has('sandbox-in-process'),
    customers: 1000,
    latencyMs: 50,
    portal: { customers: 200, windowMs: 1000, perPartner: 50 },
    outDir: 'bench-results',
  };
}

function seconds(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 3600)
    throw new Error(`--${name} must be whole seconds from 1 to 3600, got '${raw}'`);
  return value;
}
