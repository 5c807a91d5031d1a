import { parseRetryAfter } from '../errors/retry-after';

/**
 * The wait Entra ID asked for with its last 429 or 503 (`Retry-After`), noted by the network client MSAL sends
 * through: MSAL's errors keep the status and the body, not the headers. Read once by the token request that failed.
 */
export class EntraIdWaits {
  private pending?: number;

  /** Notes an answer of the token endpoint; only a throttled or unavailable one with a readable Retry-After counts. */
  note(status: number, retryAfter: string | string[] | undefined): void {
    if (status !== 429 && status !== 503) return;
    this.pending = parseRetryAfter(retryAfter);
  }

  /** The seconds asked for by the answer just noted, once (undefined when it asked for none). */
  take(): number | undefined {
    const seconds = this.pending;
    this.pending = undefined;
    return seconds;
  }
}
