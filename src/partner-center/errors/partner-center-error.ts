import { scrubSecrets } from '../../common/secret-text';

/** Where a failure came from: Partner Center itself, or Entra ID while getting its token. */
export type FailureSource = 'partner-center' | 'entra-id';

/**
 * Why a call failed, in the gateway's stable vocabulary. The inbound adapters map each one to a GraphQL
 * `extensions.code` and a REST status; nothing else needs to look at upstream statuses.
 */
export type FailureKind =
  | 'not-found' // 404
  | 'forbidden' // 403
  | 'unauthenticated' // 401 after one token refresh; or an interaction (MFA, consent) is required
  | 'rate-limited' // 429 not retried (Retry-After too long) or still 429 after the last attempt
  | 'unavailable' // 408/5xx after the last attempt, connection failures, token endpoint down
  | 'timeout' // attempt timeouts until the deadline or the last attempt
  | 'refused' // 400, 409, 412: Partner Center refused the request as the caller made it (its data, its customer's state)
  | 'rejected' // any other answer: Partner Center or Entra ID refused what was sent
  | 'outcome-unknown'; // a PATCH got no final answer after it may have reached Partner Center

export interface UpstreamFailure {
  kind: FailureKind;
  source: FailureSource;
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  /** Partner Center's own error code (often numeric), or Entra ID's `error`. */
  code?: string | number;
  description?: string;
  /** Seconds the caller should wait, from the last 429's Retry-After. */
  retryAfterSeconds?: number;
  /** Entra ID's claims challenge, for a client that must step up (MFA). */
  claims?: string;
  requestId?: string;
  attempts: number;
  /** For a write whose outcome is unknown: the caller's idempotency key to retry with (applied at most once). */
  idempotencyKey?: string;
}

export class PartnerCenterError extends Error implements UpstreamFailure {
  readonly kind: FailureKind;
  readonly source: FailureSource;
  readonly status?: number;
  readonly code?: string | number;
  readonly description?: string;
  readonly retryAfterSeconds?: number;
  readonly claims?: string;
  readonly requestId?: string;
  readonly attempts: number;
  readonly idempotencyKey?: string;

  constructor(upstream: UpstreamFailure, message?: string) {
    // The description is the upstream's free text and goes to the caller: an Entra ID, Partner Center or proxy
    // error page that echoes the request (client_secret=…, a bearer token) must not hand its secrets on.
    const failure =
      upstream.description === undefined
        ? upstream
        : { ...upstream, description: scrubSecrets(upstream.description) };
    super(message ?? describe(failure));
    this.name = 'PartnerCenterError';
    this.kind = failure.kind;
    this.source = failure.source;
    this.status = failure.status;
    this.code = failure.code;
    this.description = failure.description;
    this.retryAfterSeconds = failure.retryAfterSeconds;
    this.claims = failure.claims;
    this.requestId = failure.requestId;
    this.attempts = failure.attempts;
    this.idempotencyKey = failure.idempotencyKey;
  }
}

function describe(failure: UpstreamFailure): string {
  const who = failure.source === 'entra-id' ? 'Entra ID' : 'Partner Center';
  const status = failure.status ? ` ${failure.status}` : '';
  const code = failure.code !== undefined ? ` (code ${failure.code})` : '';
  const tries = failure.attempts > 1 ? ` after ${failure.attempts} attempts` : '';
  switch (failure.kind) {
    case 'timeout':
      return `${who} did not answer in time${tries}`;
    case 'outcome-unknown':
      return `${who} may have applied the change; no answer says whether${tries}`;
    case 'unavailable':
      return `${who} is unavailable${status}${code}${tries}`;
    case 'rate-limited':
      return `${who} is throttling requests${status}${tries}`;
    default:
      return `${who} answered${status}${code}${failure.description ? `: ${failure.description}` : ''}`;
  }
}
