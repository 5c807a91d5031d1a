import { HttpException } from '@nestjs/common';
import { IssuerUnavailableError } from '../auth/issuer-unavailable.error';
import { FailureSource, PartnerCenterError } from '../partner-center/errors/partner-center-error';
import { UNSTATED_THROTTLE_WAIT_SECONDS } from '../partner-center/pipeline/backoff';
import { RateBudgetExhaustedError } from '../partner-center/quota/rate-budget-exhausted.error';
import { GatewayFailureKind } from './failure-mapping';
import { FieldViolation, InvalidInputError } from '../common/invalid-input.error';
import { MalformedJsonError } from '../common/malformed-json.error';
import { echoClientValue } from './client-value';

/** What Partner Center (or Entra ID) said, safe to show a caller: no URLs, no tokens, no headers. */
export interface PartnerCenterFacts {
  source: FailureSource;
  status?: number;
  /** As Partner Center gave it: often a number, sometimes a string. */
  code?: string | number;
  description?: string;
  requestId?: string;
}

/** A failure as both adapters render it; built only by `describeFailure`. */
export interface Failure {
  kind: GatewayFailureKind;
  /** The REST status, where the kind passes Partner Center's own on (`refused`); otherwise the kind's. */
  status?: number;
  /** Safe for the caller: written by the gateway, never an internal error message. */
  detail: string;
  errors?: FieldViolation[];
  partnerCenter?: PartnerCenterFacts;
  retryAfterSeconds?: number;
  /** Entra ID's claims challenge, for a client that must step up (MFA). */
  claims?: string;
  /** For OUTCOME_UNKNOWN: the idempotency key that makes a retry safe. */
  idempotencyKey?: string;
  /** Not the caller's fault and not explained to them: the adapter logs the original error. */
  unexpected?: boolean;
}

const STATUS_KINDS: Record<number, GatewayFailureKind> = {
  400: 'invalid-input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'route-not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  408: 'request-timeout',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  417: 'expectation-failed',
  429: 'rate-limited',
  431: 'headers-too-large',
};

/** Turns anything a handler threw into the gateway's failure vocabulary. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof InvalidInputError) {
    return {
      kind: 'invalid-input',
      detail: 'The request is invalid: see errors.',
      errors: error.violations.map(echoedViolation),
    };
  }
  if (error instanceof MalformedJsonError) return { kind: 'malformed-request', detail: error.message };
  if (error instanceof PartnerCenterError) return describeUpstreamFailure(error);
  if (error instanceof IssuerUnavailableError) {
    return {
      kind: 'unavailable',
      detail: "The token issuer's keys cannot be read, so no token can be checked; retry later.",
    };
  }
  if (error instanceof HttpException) return describeHttpException(error);
  return {
    kind: 'internal',
    detail: 'An unexpected error occurred; quote the correlation id.',
    unexpected: true,
  };
}

/** A violation names the field as the client sent it: a 5,000-character key is named by its first characters. */
function echoedViolation(violation: FieldViolation): FieldViolation {
  const field = echoClientValue(violation.field);
  if (field === violation.field) return violation;
  return { field, message: violation.message.split(violation.field).join(field) };
}

function describeUpstreamFailure(error: PartnerCenterError): Failure {
  const partnerCenter: PartnerCenterFacts = {
    source: error.source,
    ...(error.status !== undefined && { status: error.status }),
    ...(error.code !== undefined && { code: error.code }),
    ...(error.description !== undefined && { description: error.description }),
    ...(error.requestId !== undefined && { requestId: error.requestId }),
  };
  // A 429 always says when to come back, also when Entra ID's throttle named no wait; a change whose outcome is
  // unknown after a 429 or 503 that named a wait says it too, before the retry under its key.
  const retryAfterSeconds =
    error.kind === 'rate-limited'
      ? (error.retryAfterSeconds ?? UNSTATED_THROTTLE_WAIT_SECONDS)
      : error.kind === 'unavailable' || error.kind === 'outcome-unknown'
        ? error.retryAfterSeconds
        : undefined;
  return {
    kind: error.kind,
    ...(error.kind === 'refused' && error.status !== undefined && { status: error.status }),
    detail: upstreamDetail(error),
    partnerCenter,
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    ...(error.claims !== undefined && { claims: error.claims }),
    ...(error.idempotencyKey !== undefined && { idempotencyKey: error.idempotencyKey }),
  };
}

function upstreamDetail(error: PartnerCenterError): string {
  const who = error.source === 'entra-id' ? 'Entra ID' : 'Partner Center';
  switch (error.kind) {
    case 'not-found':
      return `${who} does not know this customer or its usage budget.`;
    case 'forbidden':
      return `${who} denied the gateway access to this customer.`;
    case 'unauthenticated':
      return error.claims !== undefined
        ? `${who} requires the user to authenticate again (claims challenge).`
        : `${who} did not accept the gateway's credentials.`;
    case 'rate-limited':
      if (error instanceof RateBudgetExhaustedError)
        return (
          "This gateway's budget of Partner Center requests per second had no room in time, so the request was not " +
          `sent; retry after ${error.retryAfterSeconds} seconds.`
        );
      return error.retryAfterSeconds !== undefined
        ? `${who} is throttling requests; retry after ${error.retryAfterSeconds} seconds.`
        : `${who} is throttling requests; retry later.`;
    case 'unavailable':
      return error.retryAfterSeconds !== undefined
        ? `${who} is unavailable; retry after ${error.retryAfterSeconds} seconds.`
        : `${who} is unavailable; retry later.`;
    case 'timeout':
      return `${who} did not answer in time; retry later.`;
    case 'outcome-unknown':
      return (
        `${who} may have applied the change, but no answer says so. Retrying with the same idempotency key ` +
        '(MS-RequestId or Idempotency-Key; GraphQL idempotencyKey) is safe: it is applied at most once.'
      );
    case 'refused':
      return `${who} refused the request as made; change it before trying again (see partnerCenter).`;
    case 'rejected':
      return `${who} refused the request.`;
  }
}

/**
 * Nest's own exceptions: a route that does not exist, Fastify's body errors (malformed JSON, too large,
 * wrong media type) and whatever an inbound guard throws. Their messages are written for callers.
 */
function describeHttpException(error: HttpException): Failure {
  const status = error.getStatus();
  const kind = STATUS_KINDS[status] ?? (status < 500 ? 'invalid-input' : 'internal');
  if (kind === 'internal')
    return { kind, detail: 'An unexpected error occurred; quote the correlation id.', unexpected: true };
  const response = error.getResponse();
  const messages =
    typeof response === 'object' && response !== null
      ? (response as { message?: unknown }).message
      : undefined;
  if (Array.isArray(messages)) {
    // A ValidationPipe configured elsewhere: keep its messages as field-less violations.
    return {
      kind,
      detail: 'The request is invalid: see errors.',
      errors: messages.map((message) => ({ field: '', message: String(message) })),
    };
  }
  const retryAfterSeconds = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return { kind, detail: error.message, ...(typeof retryAfterSeconds === 'number' && { retryAfterSeconds }) };
}
