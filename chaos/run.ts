import axios, { AxiosInstance } from 'axios';
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultSpec, RunningSandbox, startSandbox } from 'partner-center-sandbox';
import { createGateway } from '../src/bootstrap';
import { loadGatewayConfig } from '../src/gateway-config';
import { RetryOptions } from '../src/partner-center/partner-center.options';
import { sandboxConnection } from '../src/sandbox-mode/embedded-sandbox';

export interface ChaosOptions {
  seed: number;
  seconds: number;
  clients: number;
  /** Overrides of the gateway's production retry settings (the short e2e run uses shorter timeouts). */
  retry?: Partial<RetryOptions>;
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  seconds: number;
  reads: { total: number; ok: number; okPercent: number };
  writes: {
    total: number;
    appliedOnce: number;
    lost: number;
    doubled: number;
    failedNotApplied: number;
    failedButApplied: number;
    outcomeUnknown: number;
    outcomeUnknownApplied: number;
  };
  /** "status code" → count, over every answer a client got (retries of writes included). */
  serverErrors: Record<string, number>;
  crashes: number;
  unhandledRejections: number;
  rssMb: { start: number; end: number };
  latencyMs: { p50: number; p99: number };
  upstream: { partnerCenterRequests: number; tokenRequests: number; sandboxPatchesApplied: number };
  targetsMissed: string[];
}

/** Customers of the sandbox's seed that have a budget (the others answer 404/403 by design). */
const CUSTOMERS = [
  'c0000001-0000-4000-8000-000000000001',
  'c0000002-0000-4000-8000-000000000002',
  'c0000003-0000-4000-8000-000000000003',
  'c0000006-0000-4000-8000-000000000006',
];

/** About 30% of Partner Center calls get a fault; `rate` spreads each evenly, so a run is reproducible. */
const PARTNER_CENTER_FAULTS: FaultSpec[] = [
  { kind: 'drop-after-apply', method: 'PATCH', rate: 0.1 },
  { kind: 'status', status: 429, retryAfter: '1', rate: 0.06 },
  { kind: 'status', status: 500, rate: 0.06 },
  { kind: 'status', status: 503, rate: 0.05 },
  { kind: 'reset', rate: 0.05 },
  { kind: 'hang', rate: 0.01 },
  { kind: 'latency', latencyMs: 300, rate: 0.05 },
];

const RETRYABLE_WRITE_STATUSES = new Set([429, 502, 503, 504]);
const CLIENT_WRITE_TRIES = 4;
const READ_QUERY =
  'query($id: ID!) { customerUsageBudget(customerId: $id) { customerId amount usageSpendingBudget } }';
const WRITE_MUTATION =
  'mutation($input: UpdateUsageBudgetInput!) { updateUsageBudget(input: $input) { customerId amount } }';

/** mulberry32: a small seeded generator, so a run's choices repeat for a seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Answer {
  status: number;
  code?: string;
  ok: boolean;
}

interface WriteRecord {
  customerId: string;
  amount: number;
  outcome: 'ok' | 'failed' | 'unknown';
}

/**
 * The chaos run: the gateway (as production builds it) on the Partner Center sandbox over real HTTPS and MSAL,
 * ~20 clients reading and writing through REST and GraphQL while faults hit Partner Center and the token
 * endpoint goes down now and then. Writes carry unique amounts, so the sandbox's request log tells, per write,
 * how often it was applied.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const random = seeded(options.seed);
  let crashes = 0;
  let unhandledRejections = 0;
  const onCrash = () => void (crashes += 1);
  const onRejection = () => void (unhandledRejections += 1);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onRejection);
  const rssStart = process.memoryUsage().rss;

  // Short-lived tokens, so renewals (and the outages that hit them) happen during the run.
  const sandbox = await startSandbox({ quiet: true, tokenLifetimeSeconds: 90 });
  // The gateway's PARTNER_CENTER_* variables of this process apply (e.g. to try another retry budget).
  const tuning = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name.startsWith('PARTNER_CENTER_')),
  );
  const config = loadGatewayConfig({
    ...tuning,
    PARTNER_CENTER: 'sandbox',
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'error',
    RATE_LIMIT_PER_MINUTE: '0', // every client is 127.0.0.1: the per-caller limit would throttle the run itself
  });
  if (config.upstream.target !== 'sandbox') throw new Error('the chaos run needs sandbox settings');
  const partnerCenter = sandboxConnection(sandbox, config.upstream.connection);
  partnerCenter.retry = { ...partnerCenter.retry, ...options.retry };
  let logLines = 0;
  const app = await createGateway(config, partnerCenter, {
    logDestination: {
      write: (line: string) => {
        logLines += 1;
        if (process.env.CHAOS_LOG_LEVEL) process.stderr.write(line);
      },
    },
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const http = axios.create({
    baseURL: `http://127.0.0.1:${port}`,
    validateStatus: () => true,
    timeout: 120_000,
    httpAgent: new Agent({ keepAlive: true, maxSockets: options.clients * 2 }),
  });

  const latencies: number[] = [];
  const serverErrors: Record<string, number> = {};
  const reads = { total: 0, ok: 0 };
  const writes: WriteRecord[] = [];
  const endAt = Date.now() + options.seconds * 1000;
  let amountSequence = 0;

  try {
    // Warm up: one token held, before the faults start.
    await http.get(`/v1/customers/${CUSTOMERS[0]}/usagebudget`);
    for (const fault of PARTNER_CENTER_FAULTS) sandbox.faults.add(fault);
    sandbox.requestLog.clear();

    const timed = async (call: () => Promise<Answer>): Promise<Answer> => {
      const started = process.hrtime.bigint();
      const answer = await call().catch((): Answer => ({ status: 0, code: 'CLIENT_ERROR', ok: false }));
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (answer.status >= 500 || answer.status === 0) {
        const key = `${answer.status} ${answer.code ?? ''}`.trim();
        serverErrors[key] = (serverErrors[key] ?? 0) + 1;
      }
      return answer;
    };

    const reader = async (rnd: () => number) => {
      while (Date.now() < endAt) {
        const customerId = CUSTOMERS[Math.floor(rnd() * CUSTOMERS.length)];
        const answer = await timed(() =>
          rnd() < 0.5 ? restRead(http, customerId) : graphqlRead(http, customerId),
        );
        reads.total += 1;
        if (answer.ok) reads.ok += 1;
        await sleep(Math.floor(rnd() * 50));
      }
    };

    const writer = async (rnd: () => number, index: number) => {
      while (Date.now() < endAt) {
        const customerId = CUSTOMERS[index % CUSTOMERS.length];
        const amount = 100_000 + ++amountSequence; // unique per write: the log shows how often each was applied
        const key = randomUUID();
        const viaGraphql = rnd() < 0.5;
        let answer: Answer = { status: 0, ok: false };
        for (let tryNo = 1; tryNo <= CLIENT_WRITE_TRIES; tryNo += 1) {
          answer = await timed(() =>
            viaGraphql
              ? graphqlWrite(http, customerId, amount, key)
              : restWrite(http, customerId, amount, key),
          );
          const retryable = RETRYABLE_WRITE_STATUSES.has(answer.status) || answer.code === 'OUTCOME_UNKNOWN';
          if (answer.ok || !retryable || tryNo === CLIENT_WRITE_TRIES) break;
          await sleep(200 * tryNo); // a careful client: back off, same key
        }
        const outcome = answer.ok ? 'ok' : answer.code === 'OUTCOME_UNKNOWN' ? 'unknown' : 'failed';
        writes.push({ customerId, amount, outcome });
        await sleep(Math.floor(rnd() * 100));
      }
    };

    const tokenOutages = async (rnd: () => number) => {
      while (Date.now() < endAt - 6_000) {
        await sleep(8_000 + Math.floor(rnd() * 8_000));
        if (Date.now() >= endAt - 6_000) break;
        const reset = rnd() < 0.5;
        const id = sandbox.faults.add(
          reset ? { target: 'token', kind: 'reset' } : { target: 'token', kind: 'status', status: 503 },
        );
        const lasts = 1_000 + Math.floor(rnd() * 4_000);
        log(`token endpoint outage: ${reset ? 'reset' : '503'} for ${lasts} ms`);
        await sleep(lasts);
        sandbox.faults.remove(id);
      }
    };

    const clients: Array<Promise<void>> = [];
    for (let i = 0; i < options.clients; i += 1) {
      const rnd = seeded(Math.floor(random() * 2 ** 32));
      clients.push(i % 2 === 0 ? reader(rnd) : writer(rnd, Math.floor(i / 2)));
    }
    clients.push(tokenOutages(seeded(Math.floor(random() * 2 ** 32))));
    await Promise.all(clients);
    sandbox.faults.clear();

    const report = tally(sandbox, writes, reads, serverErrors, latencies, options);
    return {
      ...report,
      crashes,
      unhandledRejections,
      rssMb: { start: mb(rssStart), end: mb(process.memoryUsage().rss) },
      targetsMissed: missed({ ...report, crashes, unhandledRejections }),
    };
  } finally {
    await app.close();
    await sandbox.close();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onRejection);
    void logLines;
  }
}

function tally(
  sandbox: RunningSandbox,
  writes: WriteRecord[],
  reads: { total: number; ok: number },
  serverErrors: Record<string, number>,
  latencies: number[],
  options: ChaosOptions,
): Omit<ChaosReport, 'crashes' | 'unhandledRejections' | 'rssMb' | 'targetsMissed'> {
  // Per amount, the MS-RequestIds under which Partner Center applied it (a replay of the same id applies nothing).
  const appliedUnder = new Map<number, Set<string>>();
  const log = sandbox.requestLog.entries({ target: 'partner-center' });
  for (const entry of log) {
    if (entry.method !== 'PATCH') continue;
    const handled =
      entry.fault === 'drop-after-apply' ||
      (entry.status === 200 && (entry.fault === undefined || entry.fault.startsWith('latency')));
    if (!handled) continue;
    let amount: number | undefined;
    try {
      amount = (JSON.parse(entry.body) as { Amount?: number }).Amount;
    } catch {
      continue;
    }
    if (amount === undefined) continue;
    const ids = appliedUnder.get(amount) ?? new Set<string>();
    ids.add(entry.headers['ms-requestid']);
    appliedUnder.set(amount, ids);
  }
  const w = {
    total: writes.length,
    appliedOnce: 0,
    lost: 0,
    doubled: 0,
    failedNotApplied: 0,
    failedButApplied: 0,
    outcomeUnknown: 0,
    outcomeUnknownApplied: 0,
  };
  for (const write of writes) {
    const applied = appliedUnder.get(write.amount)?.size ?? 0;
    if (applied > 1) w.doubled += 1;
    if (write.outcome === 'ok') {
      if (applied === 1) w.appliedOnce += 1;
      if (applied === 0) w.lost += 1;
    } else if (write.outcome === 'failed') {
      if (applied === 0) w.failedNotApplied += 1;
      else w.failedButApplied += 1;
    } else {
      w.outcomeUnknown += 1;
      if (applied > 0) w.outcomeUnknownApplied += 1;
    }
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return {
    seed: options.seed,
    seconds: options.seconds,
    reads: { ...reads, okPercent: reads.total ? (100 * reads.ok) / reads.total : 0 },
    writes: w,
    serverErrors,
    latencyMs: { p50: at(0.5), p99: at(0.99) },
    upstream: {
      partnerCenterRequests: log.length,
      tokenRequests: sandbox.tokenRequests(),
      sandboxPatchesApplied: sandbox.patchesApplied(),
    },
  };
}

function missed(r: Pick<ChaosReport, 'reads' | 'writes' | 'crashes' | 'unhandledRejections'>): string[] {
  const misses: string[] = [];
  if (r.reads.okPercent < 99.9) misses.push(`reads ok ${r.reads.okPercent.toFixed(2)}% < 99.9%`);
  if (r.writes.lost > 0) misses.push(`${r.writes.lost} writes lost`);
  if (r.writes.doubled > 0) misses.push(`${r.writes.doubled} writes applied twice`);
  if (r.writes.failedButApplied > 0)
    misses.push(`${r.writes.failedButApplied} writes reported failed but applied`);
  if (r.crashes > 0) misses.push(`${r.crashes} crashes`);
  if (r.unhandledRejections > 0) misses.push(`${r.unhandledRejections} unhandled rejections`);
  return misses;
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 102.4) / 10;
}

function answerOf(status: number, body: unknown): Answer {
  const data = body as { code?: string; errors?: Array<{ extensions?: { code?: string } }> } | undefined;
  const code = data?.errors?.[0]?.extensions?.code ?? data?.code;
  return { status, code, ok: status === 200 && !data?.errors };
}

async function restRead(http: AxiosInstance, customerId: string): Promise<Answer> {
  const r = await http.get(`/v1/customers/${customerId}/usagebudget`);
  return answerOf(r.status, r.data);
}

async function graphqlRead(http: AxiosInstance, customerId: string): Promise<Answer> {
  const r = await http.post('/graphql', { query: READ_QUERY, variables: { id: customerId } });
  return graphqlAnswer(r.status, r.data);
}

async function restWrite(
  http: AxiosInstance,
  customerId: string,
  amount: number,
  key: string,
): Promise<Answer> {
  const r = await http.patch(
    `/v1/customers/${customerId}/usagebudget`,
    { amount },
    { headers: { 'MS-RequestId': key } },
  );
  return answerOf(r.status, r.data);
}

async function graphqlWrite(
  http: AxiosInstance,
  customerId: string,
  amount: number,
  key: string,
): Promise<Answer> {
  const r = await http.post('/graphql', {
    query: WRITE_MUTATION,
    variables: { input: { customerId, amount, idempotencyKey: key } },
  });
  return graphqlAnswer(r.status, r.data);
}

/** GraphQL answers 200 with `errors`; the REST status a client would have seen comes from the failure table. */
function graphqlAnswer(status: number, body: unknown): Answer {
  const answer = answerOf(status, body);
  if (answer.ok || status !== 200) return answer;
  const statusByCode: Record<string, number> = {
    UPSTREAM_UNAVAILABLE: 503,
    UPSTREAM_ERROR: 502,
    OUTCOME_UNKNOWN: 504,
    INTERNAL_SERVER_ERROR: 500,
    RATE_LIMITED: 429,
  };
  return { ...answer, status: statusByCode[answer.code ?? ''] ?? 400 };
}
