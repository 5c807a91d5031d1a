import { FailureSource, PartnerCenterError } from '../errors/partner-center-error';

/** An open circuit's answer: nothing was sent upstream; retrying is safe after `retryAfterSeconds`. */
export class CircuitOpenError extends PartnerCenterError {
  constructor(source: FailureSource, retryAfterSeconds: number) {
    super(
      { kind: 'unavailable', source, retryAfterSeconds, attempts: 0 },
      `${source === 'entra-id' ? 'Entra ID' : 'Partner Center'} failed repeatedly: calls are refused for ${retryAfterSeconds} s`,
    );
    this.name = 'CircuitOpenError';
  }
}
