import {
  BrokenCircuitError,
  CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  ConsecutiveBreaker,
  handleWhen,
} from 'cockatiel';
import { FailureSource, PartnerCenterError } from '../errors/partner-center-error';
import { CircuitOpenError } from './circuit-open.error';
import { CircuitOptions } from '../partner-center.options';
import { TransportError } from '../../common/http/https-exchange';
import { PipelinePolicy, PipelineResponse } from './pipeline';
import { DeadlineExceededError } from './retry.policy';

export { CircuitOpenError };

export type CircuitStateName = 'closed' | 'open' | 'half-open';

/** What readiness and metrics read of a breaker: injectable as PARTNER_CENTER_CIRCUIT and ENTRA_ID_CIRCUIT. */
export interface CircuitView {
  readonly source: FailureSource;
  state(): CircuitStateName;
}

export const PARTNER_CENTER_CIRCUIT = Symbol('PARTNER_CENTER_CIRCUIT');
export const ENTRA_ID_CIRCUIT = Symbol('ENTRA_ID_CIRCUIT');

/** What counts against an upstream: no answer, or an answer that says it is broken (never a 4xx, never a 429). */
export interface FailureTest {
  error(error: unknown): boolean;
  result?(value: unknown): boolean;
}

/**
 * One upstream's circuit breaker (cockatiel, consecutive failures). Open: calls are refused at once with
 * CircuitOpenError (Retry-After = seconds until half-open). Half-open: exactly one probe goes through, the others
 * are refused at once rather than queued behind it (cockatiel would make them wait); the probe's success closes it.
 */
export class UpstreamCircuit implements CircuitView {
  private readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;

  constructor(
    readonly source: FailureSource,
    private readonly options: CircuitOptions,
    failures: FailureTest,
    onStateChange: (state: CircuitStateName) => void = () => undefined,
  ) {
    const handled = handleWhen((error) => failures.error(error)).orWhenResult(
      (value) => failures.result?.(value) ?? false,
    );
    this.policy = circuitBreaker(handled, {
      halfOpenAfter: options.breakMs,
      breaker: new ConsecutiveBreaker(options.failureThreshold),
    });
    this.policy.onBreak(() => (this.openedAt = Date.now()));
    this.policy.onStateChange(() => onStateChange(this.state()));
  }

  state(): CircuitStateName {
    switch (this.policy.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        // cockatiel moves to half-open lazily, on the next call; report what that call would meet.
        return this.untilHalfOpenMs() > 0 ? 'open' : 'half-open';
    }
  }

  execute<T>(fn: () => Promise<T>): Promise<T> {
    if (this.policy.state === CircuitState.HalfOpen)
      return Promise.reject(new CircuitOpenError(this.source, 1));
    // catch() rather than an async frame with await: this runs on every call, and each await is one more promise.
    return this.policy.execute(fn).catch((error: unknown) => {
      if (error instanceof BrokenCircuitError) {
        throw new CircuitOpenError(this.source, Math.max(1, Math.ceil(this.untilHalfOpenMs() / 1000)));
      }
      throw error;
    });
  }

  private untilHalfOpenMs(): number {
    return this.openedAt + this.options.breakMs - Date.now();
  }
}

/** Partner Center failed a logical call (after its retries): a 5xx or 408 answer, no answer, or the deadline. */
export const PARTNER_CENTER_FAILURES: FailureTest = {
  error: (error) => error instanceof TransportError || error instanceof DeadlineExceededError,
  result: (value) => {
    const status = (value as PipelineResponse).status;
    return status >= 500 || status === 408;
  },
};

/** Entra ID gave no token because it is down (5xx, no answer, timeout); a refusal or a 429 is not an outage. */
export const ENTRA_ID_FAILURES: FailureTest = {
  error: (error) =>
    error instanceof PartnerCenterError &&
    !(error instanceof CircuitOpenError) &&
    (error.kind === 'unavailable' || error.kind === 'timeout'),
};

/**
 * Runs each logical Partner Center call (its retries included) through the Partner Center circuit. It sits
 * outside the bulkhead, so an open circuit answers without waiting for a slot.
 */
export function circuitBreakerPolicy(circuit: UpstreamCircuit): PipelinePolicy {
  return {
    name: 'circuitBreaker',
    sendRequest: (request, next) => circuit.execute(() => next(request)),
  };
}
