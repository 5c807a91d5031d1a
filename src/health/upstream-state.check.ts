import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { Metrics } from '../observability/metrics';
import {
  CircuitView,
  ENTRA_ID_CIRCUIT,
  PARTNER_CENTER_CIRCUIT,
} from '../partner-center/pipeline/circuit-breaker.policy';
import { SHARED_STATE, SharedState } from '../shared-state/shared-state';
import { ReadinessRegistry } from './readiness.registry';

const STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Readiness and gauges for what this replica depends on: not ready while a circuit is open (the load balancer sends
 * the traffic to a replica that can serve it); ready but "degraded" while Redis is away, since the replica then
 * serves from its own memory (taking every replica out when Redis dies would turn a degradation into an outage).
 */
@Injectable()
export class UpstreamStateCheck implements OnModuleInit {
  constructor(
    @Inject(PARTNER_CENTER_CIRCUIT) private readonly partnerCenter: CircuitView,
    @Inject(ENTRA_ID_CIRCUIT) private readonly entraId: CircuitView,
    @Inject(SHARED_STATE) private readonly shared: SharedState,
    private readonly registry: ReadinessRegistry,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  onModuleInit(): void {
    for (const [name, circuit] of [
      ['partnerCenterCircuit', this.partnerCenter],
      ['entraIdCircuit', this.entraId],
    ] as const) {
      this.registry.register(name, () => {
        const state = circuit.state();
        return { ready: state !== 'open', detail: `circuit ${state}` };
      });
    }
    this.registry.register('sharedState', () => ({
      ready: true,
      detail: this.shared.degraded ? 'degraded: Redis unreachable, serving from memory' : this.shared.backend,
    }));
    if (!this.metrics) return;
    const circuits = this.metrics.gauge(
      'gateway_circuit_state',
      'Circuit state: 0 closed, 1 half-open, 2 open.',
      ['upstream'],
    );
    const degraded = this.metrics.gauge(
      'gateway_shared_state_degraded',
      '1 while Redis is configured but unreachable (serving from memory).',
    );
    this.metrics.onCollect(() => {
      circuits.set({ upstream: 'partner-center' }, STATE_VALUE[this.partnerCenter.state()]);
      circuits.set({ upstream: 'entra-id' }, STATE_VALUE[this.entraId.state()]);
      degraded.set(this.shared.degraded ? 1 : 0);
    });
  }
}
