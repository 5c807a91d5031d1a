import autocannon from 'autocannon';
import type { Contestant } from './contestants';
import { sampleRss, type RssSummary } from './rss';
import type { Upstream } from './upstream';

export type Shape = 'distinct' | 'hot';

export interface LoadSpec {
  shape: Shape;
  connections: number;
  durationSeconds: number;
  /** Upstream latency injected for this run (sandbox latency fault), 0 for none. */
  latencyMs: number;
  /** With latencyMs: each request's delay is latencyMs plus a uniform random 0..jitterMs. */
  jitterMs?: number;
  /** Ends the run after this many requests instead of after `durationSeconds`. */
  requests?: number;
}

export interface LoadResult extends LoadSpec {
  contestant: string;
  label: string;
  requestsPerSecond: number;
  responses: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connection errors, timeouts included. */
  errors: number;
  non2xx: number;
  rss?: RssSummary;
  /** Requests sent, answered or not (the last ones in flight when the run stops are not). */
  sent: number;
  /** Partner Center requests the sandbox counted during the run, per request sent. */
  upstreamCallsPerRequest: number;
  /** Throttled answers the sandbox sent during the run. */
  upstreamThrottled: number;
  tokenRequests: number;
}

/**
 * Drives autocannon against one contestant: `distinct` rotates through `customers` (a different one per request, so
 * nothing coalesces), `hot` reads customers[0] only. Latencies are recorded from autocannon's response events at
 * microsecond resolution (its own histogram keeps whole milliseconds, too coarse for the added-latency figure).
 */
export async function runLoad(
  contestant: Contestant,
  spec: LoadSpec,
  customers: readonly string[],
  upstream: Upstream,
): Promise<LoadResult> {
  let next = 0;
  const pick = spec.shape === 'hot' ? () => customers[0] : () => customers[next++ % customers.length];
  const before = await upstream.stats();
  const rss = contestant.pid === undefined ? undefined : sampleRss(contestant.pid, 250);
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: contestant.baseUrl,
        connections: spec.connections,
        ...(spec.requests === undefined ? { duration: spec.durationSeconds } : { amount: spec.requests }),
        timeout: 30,
        tlsOptions: contestant.ca ? { ca: contestant.ca } : undefined,
        requests: [{ setupRequest: (request) => ({ ...request, ...contestant.read(pick()) }) }],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  const memory = rss?.stop();
  const after = await settledStats(upstream);
  const responses = result['2xx'] + result.non2xx;
  const upstreamCalls = after.requestsByTarget['partner-center'] - before.requestsByTarget['partner-center'];
  latencies.sort((a, b) => a - b);
  return {
    ...spec,
    contestant: contestant.key,
    label: contestant.label,
    requestsPerSecond: responses / result.duration,
    responses,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.length ? latencies[latencies.length - 1] : NaN,
    errors: result.errors,
    non2xx: result.non2xx,
    rss: memory,
    sent: result.requests.sent,
    upstreamCallsPerRequest: result.requests.sent ? upstreamCalls / result.requests.sent : NaN,
    upstreamThrottled: after.throttled - before.throttled,
    tokenRequests: after.tokenRequests - before.tokenRequests,
  };
}

/**
 * A short run whose numbers are thrown away: JIT, connection pools and token caches warm up. Then one read of every
 * customer, so the measured runs find each contestant in its steady state: a GraphQL server parses and validates a
 * query text the first time it sees it (the gateway's Apollo and the peer both keep validated documents), and the
 * distinct runs' query texts differ by customer. Without this pass the first distinct run measured how fast each
 * contestant fills its document cache, and moved by ±30% with the warm-up's length.
 */
export async function warmUp(
  contestant: Contestant,
  seconds: number,
  customers: readonly string[],
  upstream: Upstream,
): Promise<void> {
  await runLoad(
    contestant,
    { shape: 'distinct', connections: 10, durationSeconds: seconds, latencyMs: 0 },
    customers,
    upstream,
  );
  await runLoad(
    contestant,
    { shape: 'distinct', connections: 10, durationSeconds: 0, latencyMs: 0, requests: customers.length },
    customers,
    upstream,
  );
}

/** The sandbox's counters once the calls still in flight when the load stopped have reached it (at most 2 s). */
async function settledStats(upstream: Upstream) {
  let stats = await upstream.stats();
  for (let i = 0; i < 20 && stats.inFlight > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    stats = await upstream.stats();
  }
  return stats;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
