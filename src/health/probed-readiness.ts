import type { ReadinessResult } from './readiness.registry';

export interface ProbeOptions {
  /** How long one attempt may take before it counts as not ready. */
  timeoutMs: number;
  /** How long an attempt's answer is reused, so that probes every few seconds do not hammer the upstream. */
  reuseMs: number;
  /** The answer when the attempt takes longer than `timeoutMs`. */
  timedOut: ReadinessResult;
}

/**
 * A readiness condition that needs a call out when it is not already known to hold (a Partner Center token, the
 * token issuer's keys): one attempt at a time shared by concurrent probes, bounded in time, its answer reused for
 * a few seconds. The attempt itself goes on after a timeout, and what it obtains serves the next probe.
 */
export class ProbedReadiness {
  private last?: { at: number; result: ReadinessResult };
  private probing?: Promise<ReadinessResult>;

  constructor(
    private readonly attempt: () => Promise<ReadinessResult>,
    private readonly options: ProbeOptions,
  ) {}

  check(now = Date.now()): Promise<ReadinessResult> {
    if (this.last && now - this.last.at < this.options.reuseMs) return Promise.resolve(this.last.result);
    this.probing ??= this.probe().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async probe(): Promise<ReadinessResult> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<ReadinessResult>((resolve) => {
      timer = setTimeout(() => resolve(this.options.timedOut), this.options.timeoutMs);
    });
    const result = await Promise.race([this.attempt(), timedOut]).finally(() => clearTimeout(timer));
    this.last = { at: Date.now(), result };
    return result;
  }
}
