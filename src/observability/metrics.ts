import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The gateway's Prometheus metrics, one registry per application (tests run several gateways in one process).
 * Global and injectable: any module adds its own with `counter`/`histogram`/`gauge` (e.g. coalesced reads, cache
 * hits, throttle-gate waits, circuit state); labels must stay low-cardinality (no customer ids, no operation names
 * chosen by callers).
 */
export class Metrics {
  readonly registry = new Registry();

  /** Inbound requests by operation (`query customerUsageBudget`, `GET /v1/customers/:customerId/usagebudget`). */
  readonly requestDuration = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'Inbound GraphQL and REST requests, by operation and outcome code (OK or the stable error code)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [this.registry],
  });

  /** One observation per attempt: retries show up as attempt="2", "3"... */
  readonly upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Partner Center attempts, by operation, HTTP status (or transport error code) and attempt number',
    labelNames: ['operation', 'status', 'attempt'] as const,
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [this.registry],
  });

  /**
   * Requests answered before any route or hook ran, so absent from gateway_request_duration_seconds: what Node's
   * HTTP parser refuses, request timeouts, an unmet Expect, CONNECT, URLs the router cannot decode. A storm of these
   * is a broken or hostile client. `reason` is a fixed code (llhttp's HPE_…, Node's or Fastify's), never client text.
   */
  readonly edgeRefusals = new Counter({
    name: 'gateway_edge_refusals_total',
    help: 'Requests refused before routing (HTTP parser errors, request timeouts, unmet Expect, CONNECT, undecodable URLs), by status and reason',
    labelNames: ['status', 'reason'] as const,
    registers: [this.registry],
  });

  readonly upstreamRetries = new Counter({
    name: 'gateway_upstream_retries_total',
    help: 'Partner Center attempts that were retries, by the reason (status or error code of the attempt before)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly tokenAcquisitions = new Counter({
    name: 'gateway_token_acquisitions_total',
    help: 'Partner Center access tokens obtained from Entra ID',
    registers: [this.registry],
  });

  readonly tokenAcquisitionFailures = new Counter({
    name: 'gateway_token_acquisition_failures_total',
    help: 'Failed requests for a Partner Center access token',
    registers: [this.registry],
  });

  readonly tokenCacheHits = new Counter({
    name: 'gateway_token_cache_hits_total',
    help: 'Partner Center calls signed with the held token, without asking Entra ID',
    registers: [this.registry],
  });

  private readonly collectors: Array<() => void> = [];

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return (
      (this.registry.getSingleMetric(name) as Counter<L> | undefined) ??
      new Counter({ name, help, labelNames, registers: [this.registry] })
    );
  }

  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets = DURATION_BUCKETS_SECONDS,
  ): Histogram<L> {
    return (
      (this.registry.getSingleMetric(name) as Histogram<L> | undefined) ??
      new Histogram({ name, help, labelNames, buckets, registers: [this.registry] })
    );
  }

  /** E.g. a circuit's state (0 closed, 1 half-open, 2 open). */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return (
      (this.registry.getSingleMetric(name) as Gauge<L> | undefined) ??
      new Gauge({ name, help, labelNames, registers: [this.registry] })
    );
  }

  /** Runs before every scrape: for gauges read off live state (a circuit, the concurrency limit). */
  onCollect(update: () => void): void {
    this.collectors.push(update);
  }

  /** The text exposition format, for `/metrics`. */
  exposition(): Promise<string> {
    for (const update of this.collectors) update();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
