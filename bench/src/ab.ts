// `npm run bench:ab -- --a=DIR --b=DIR`: two builds of the gateway at once on one sandbox, to decide between them.
// The bench's ratios move by more than most changes gain (the machine's speed moves within minutes, and contestants
// run one after another); two gateways driven at the same time see the same machine. Each DIR is a checkout with
// dist/ built, its Dockerfile (the image's Node flags and ENV are read from it) and node_modules (a link will do).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { extraCustomerId } from 'partner-center-sandbox';
import { startGateway } from './contestants';
import { runLoad, warmUp } from './load';
import { stopAllChildren } from './processes';
import { startUpstream } from './upstream';

const HELP = `npm run bench:ab -- --a=DIR --b=DIR [--api=rest|graphql] [--rounds=N] [--seconds=S] [--connections=N]
  --a, --b         checkouts with dist/ built (B is compared with A)
  --api            which API to read through (default rest)
  --rounds         rounds of load, the halves of the customers swapped each round (default 6)
  --seconds        seconds per round (default 5)
  --connections    connections per gateway (default 25)
  BENCH_A_NODE_ARGS, BENCH_B_NODE_ARGS: extra Node flags for one side (e.g. --max-semi-space-size=16)`;

interface AbOptions {
  a: string;
  b: string;
  api: 'rest' | 'graphql';
  rounds: number;
  seconds: number;
  connections: number;
}

function parse(argv: string[]): AbOptions {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z]+)=(.+)$/.exec(arg);
    if (!match) throw new Error(`unknown argument '${arg}'\n${HELP}`);
    flags.set(match[1], match[2]);
  }
  const a = flags.get('a');
  const b = flags.get('b');
  if (!a || !b) throw new Error(`--a and --b are required\n${HELP}`);
  const api = flags.get('api') ?? 'rest';
  if (api !== 'rest' && api !== 'graphql') throw new Error(`--api must be rest or graphql\n${HELP}`);
  const count = (name: string, fallback: number, max: number) => {
    const value = Number(flags.get(name) ?? fallback);
    if (!Number.isInteger(value) || value < 1 || value > max)
      throw new Error(`--${name} must be a whole number from 1 to ${max}`);
    return value;
  };
  return {
    a: resolve(a),
    b: resolve(b),
    api,
    rounds: count('rounds', 6, 100),
    seconds: count('seconds', 5, 600),
    connections: count('connections', 25, 500),
  };
}

async function main(options: AbOptions): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), 'usage-budget-ab-'));
  console.error(`[ab] process logs in ${logDir}`);
  const upstream = await startUpstream({ inProcess: false, extraCustomers: 1000, logDir });
  const customers = Array.from({ length: 1000 }, (_, i) => extraCustomerId(i + 1));
  const halves = [customers.slice(0, 500), customers.slice(500)];
  // startGateway reads BENCH_GATEWAY_NODE_ARGS when it starts a gateway: one side's flags at a time.
  process.env.BENCH_GATEWAY_NODE_ARGS = process.env.BENCH_A_NODE_ARGS ?? '';
  const a = (await startGateway(upstream, options.a, logDir))[options.api];
  process.env.BENCH_GATEWAY_NODE_ARGS = process.env.BENCH_B_NODE_ARGS ?? '';
  const b = (await startGateway(upstream, options.b, logDir))[options.api];
  await warmUp(a, 2, customers, upstream);
  await warmUp(b, 2, customers, upstream);

  const ratios: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const spec = {
      shape: 'distinct' as const,
      connections: options.connections,
      durationSeconds: options.seconds,
      latencyMs: 0,
    };
    const [first, second] = round % 2 === 0 ? halves : [halves[1], halves[0]];
    const [ra, rb] = await Promise.all([
      runLoad(a, spec, first, upstream),
      runLoad(b, spec, second, upstream),
    ]);
    const ratio = rb.requestsPerSecond / ra.requestsPerSecond;
    ratios.push(ratio);
    const side = (r: typeof ra) =>
      `${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ` +
      `RSS max ${r.rss?.maxMb.toFixed(1) ?? '?'} MB, errors ${r.errors + r.non2xx}`;
    console.log(`round ${round + 1}: A ${side(ra)} | B ${side(rb)} | B/A ${ratio.toFixed(3)}`);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  console.log(
    `B/A req/s: median ${sorted[Math.floor(sorted.length / 2)].toFixed(3)}, ` +
      `all ${sorted.map((r) => r.toFixed(2)).join(' ')}`,
  );
}

let options: AbOptions;
try {
  options = parse(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}
process.once('SIGINT', () => void stopAllChildren().finally(() => process.exit(130)));
main(options)
  .catch((error: unknown) => {
    console.error(`[ab] failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAllChildren();
    process.exit();
  });
