import type { Metrics } from '../../observability/metrics';
import type { QuotaShaper } from './quota-shaper';

/** Throttle-gate waits and the adaptive concurrency limit, on /metrics; returns the gate's wait callback. */
export function quotaTelemetry(quota: QuotaShaper, metrics: Metrics | undefined): (waitMs: number) => void {
  if (!metrics) return () => undefined;
  const waits = metrics.histogram(
    'gateway_throttle_gate_wait_seconds',
    'How long calls waited at the throttle gate for a 429 pause of their scope to end.',
  );
  const limit = metrics.gauge(
    'gateway_upstream_concurrency_limit',
    'The adaptive limit of concurrent Partner Center calls.',
  );
  const queued = metrics.gauge(
    'gateway_upstream_queued_calls',
    'Calls waiting for a slot under the concurrency limit.',
  );
  metrics.onCollect(() => {
    limit.set(quota.concurrencyLimit);
    queued.set(quota.queued);
  });
  return (waitMs) => waits.observe(waitMs / 1000);
}
