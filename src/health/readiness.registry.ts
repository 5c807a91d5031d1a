import { Injectable } from '@nestjs/common';

/** One readiness condition: `ready: false` takes the replica out of the load balancer. */
export interface ReadinessResult {
  ready: boolean;
  /** A short reason shown in `/readyz` (no secrets). */
  detail?: string;
}

export type ReadinessCheck = () => ReadinessResult | Promise<ReadinessResult>;

/**
 * The conditions `/readyz` asks. Any module joins with `register` at start-up (e.g. a circuit breaker: "not ready
 * while the upstream circuit is open"); a check that throws or takes longer than the timeout counts as not ready.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) throw new Error(`readiness check "${name}" is already registered`);
    this.checks.set(name, check);
  }

  entries(): Array<[string, ReadinessCheck]> {
    return [...this.checks];
  }
}
