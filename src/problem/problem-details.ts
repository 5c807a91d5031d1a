import { Failure, PartnerCenterFacts } from './failure';
import { FAILURE_MAPPING, problemType } from './failure-mapping';
import { FieldViolation } from '../common/invalid-input.error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** RFC 9457 problem details, with the gateway's extension members. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The same stable code GraphQL puts in `extensions.code`. */
  code: string;
  correlationId?: string;
  errors?: FieldViolation[];
  partnerCenter?: PartnerCenterFacts;
  retryAfterSeconds?: number;
  claims?: string;
  idempotencyKey?: string;
}

export function toProblemDetails(failure: Failure, correlationId: string | undefined): ProblemDetails {
  const { code, status, title } = FAILURE_MAPPING[failure.kind];
  return {
    type: problemType(failure.kind),
    title,
    status: failure.status ?? status,
    detail: failure.detail,
    code,
    ...(correlationId && { correlationId }),
    ...(failure.errors && { errors: failure.errors }),
    ...(failure.partnerCenter && { partnerCenter: failure.partnerCenter }),
    ...(failure.retryAfterSeconds !== undefined && { retryAfterSeconds: failure.retryAfterSeconds }),
    ...(failure.claims !== undefined && { claims: failure.claims }),
    ...(failure.idempotencyKey !== undefined && { idempotencyKey: failure.idempotencyKey }),
  };
}
