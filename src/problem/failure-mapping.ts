import type { FailureKind } from '../partner-center/errors/partner-center-error';

/**
 * Every way a request can fail, in one vocabulary: Partner Center's failure kinds plus the gateway's own.
 * Inbound auth (401/403) and upstream refusals share kinds on purpose: a client reacts to both alike.
 */
export type GatewayFailureKind =
  | FailureKind
  | 'invalid-input'
  | 'malformed-request'
  | 'route-not-found'
  | 'method-not-allowed'
  | 'not-acceptable'
  | 'request-timeout'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'expectation-failed'
  | 'headers-too-large'
  | 'shutting-down'
  | 'internal';

export interface FailureMapping {
  /** GraphQL `extensions.code` and the REST problem's `code`: the one string clients branch on. */
  code: string;
  /** REST status. */
  status: number;
  /** RFC 9457 `title`: the same for every occurrence of the kind. */
  title: string;
  /** Where GraphQL clients know the failure under another code than REST clients (Apollo's own vocabulary). */
  graphqlCode?: string;
}

/** The one table from failures to GraphQL codes and REST statuses. Codes and statuses are a public contract. */
export const FAILURE_MAPPING: Readonly<Record<GatewayFailureKind, FailureMapping>> = {
  'invalid-input': { code: 'BAD_USER_INPUT', status: 400, title: 'The request is invalid' },
  // A body that is not JSON: REST has always called it BAD_USER_INPUT; Apollo calls every malformed request BAD_REQUEST.
  'malformed-request': {
    code: 'BAD_USER_INPUT',
    graphqlCode: 'BAD_REQUEST',
    status: 400,
    title: 'The request is malformed',
  },
  unauthenticated: { code: 'UNAUTHENTICATED', status: 401, title: 'Not authenticated' },
  forbidden: { code: 'FORBIDDEN', status: 403, title: 'Access denied' },
  'not-found': { code: 'NOT_FOUND', status: 404, title: 'Not found' },
  'route-not-found': { code: 'ROUTE_NOT_FOUND', status: 404, title: 'No such route' },
  'method-not-allowed': {
    code: 'METHOD_NOT_ALLOWED',
    status: 405,
    title: 'The route does not allow this method',
  },
  'not-acceptable': { code: 'NOT_ACCEPTABLE', status: 406, title: 'No acceptable answer type' },
  'request-timeout': { code: 'REQUEST_TIMEOUT', status: 408, title: 'The request did not arrive in time' },
  'payload-too-large': { code: 'PAYLOAD_TOO_LARGE', status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415, title: 'Unsupported media type' },
  'expectation-failed': { code: 'EXPECTATION_FAILED', status: 417, title: 'The expectation cannot be met' },
  'headers-too-large': {
    code: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
    status: 431,
    title: 'The request headers are too large',
  },
  'rate-limited': { code: 'RATE_LIMITED', status: 429, title: 'Too many requests' },
  // This replica is draining after SIGTERM (health/drain.hook.ts); another replica answers the retry.
  'shutting-down': { code: 'SHUTTING_DOWN', status: 503, title: 'The gateway is shutting down' },
  internal: { code: 'INTERNAL_SERVER_ERROR', status: 500, title: 'Internal error' },
  // Partner Center refused the caller's request: answered with Partner Center's own status (400, 409, 412; see
  // Failure.status), never a 5xx, which clients would retry.
  refused: { code: 'UPSTREAM_ERROR', status: 400, title: 'Partner Center refused the request' },
  // A title names the problem type, the same for every occurrence (RFC 9457): these three come from Partner Center
  // or from Entra ID (the gateway's tokens, the callers' issuer keys); the detail and `partnerCenter.source` say which.
  rejected: { code: 'UPSTREAM_ERROR', status: 502, title: 'Partner Center or Entra ID refused the request' },
  unavailable: {
    code: 'UPSTREAM_UNAVAILABLE',
    status: 503,
    title: 'Partner Center or Entra ID is unavailable',
  },
  timeout: {
    code: 'UPSTREAM_UNAVAILABLE',
    status: 504,
    title: 'Partner Center or Entra ID did not answer in time',
  },
  'outcome-unknown': {
    code: 'OUTCOME_UNKNOWN',
    status: 504,
    title: 'The change may or may not have been applied',
  },
};

const PROBLEM_TYPE_BASE = 'https://usage-budget-gateway/problems/';

/** The code a GraphQL client gets for the failure. */
export function graphqlCode(kind: GatewayFailureKind): string {
  return FAILURE_MAPPING[kind].graphqlCode ?? FAILURE_MAPPING[kind].code;
}

/** RFC 9457 `type`: a stable URI per kind (it identifies the problem; nothing is served there). */
export function problemType(kind: GatewayFailureKind): string {
  return `${PROBLEM_TYPE_BASE}${kind}`;
}
