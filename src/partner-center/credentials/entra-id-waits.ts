import { parseRetryAfter } from '../errors/retry-after';

/** Entra ID's refusal of the authority's metadata (a tenant it does not know: 400, AADSTS90002). */
export interface MetadataRefusal {
  status: number;
  code: string;
  description?: string;
}

/**
 * What Entra ID's last answers said that MSAL's errors drop, noted by the network client MSAL sends through: the wait
 * asked for with a 429 or 503 (`Retry-After`; MSAL keeps the status and the body, not the headers), and a refusal of
 * the authority's metadata (MSAL reports only "endpoints_resolution_error", as for an authority it cannot reach).
 * Each is read once by the token request that failed.
 */
export class EntraIdWaits {
  private pending?: number;
  private refusal?: MetadataRefusal;

  /** Notes an answer of the token endpoint; only a throttled or unavailable one with a readable Retry-After counts. */
  note(status: number, retryAfter: string | string[] | undefined): void {
    if (status !== 429 && status !== 503) return;
    this.pending = parseRetryAfter(retryAfter);
  }

  /** Notes an answer to a metadata request (MSAL's GETs): a refusal with an OAuth error, or none. */
  noteMetadata(status: number, body: unknown): void {
    const { error, error_description: description } = (body ?? {}) as Record<string, unknown>;
    const refused = status >= 400 && status < 500 && status !== 408 && status !== 429;
    this.refusal =
      refused && typeof error === 'string'
        ? { status, code: error, ...(typeof description === 'string' && { description }) }
        : undefined;
  }

  /** The seconds asked for by the answer just noted, once (undefined when it asked for none). */
  take(): number | undefined {
    const seconds = this.pending;
    this.pending = undefined;
    return seconds;
  }

  /** The refusal of the authority's metadata just noted, once. */
  takeRefusal(): MetadataRefusal | undefined {
    const refusal = this.refusal;
    this.refusal = undefined;
    return refusal;
  }
}
