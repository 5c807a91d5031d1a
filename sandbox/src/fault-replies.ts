import type { SandboxReply } from './http/exchange';
import { entraError } from './identity/entra-errors';
import { defaultPartnerCenterError, partnerCenterError, rateLimitExceeded } from './partner-center/errors';
import type { FaultSpec } from './types';

/** What a 'status' fault answers: the error body the real service would send for that status on that target. */
export function faultReply(fault: FaultSpec): SandboxReply {
  const status = fault.status ?? 500;
  const retryAfter =
    fault.retryAfter === 'none' ? undefined : (fault.retryAfter ?? (status === 429 ? '1' : undefined));
  const reply =
    fault.target === 'token'
      ? entraFaultReply(fault, status, retryAfter)
      : partnerCenterFaultReply(fault, status, retryAfter);
  return fault.body === undefined ? reply : { ...reply, body: fault.body };
}

function partnerCenterFaultReply(
  fault: FaultSpec,
  status: number,
  retryAfter: string | undefined,
): SandboxReply {
  if (status === 429 && fault.code === undefined && fault.description === undefined) {
    return rateLimitExceeded(retryAfterSeconds(retryAfter), retryAfter);
  }
  const [code, description] = defaultPartnerCenterError(status);
  const reply = partnerCenterError(status, fault.code ?? code, fault.description ?? description);
  return retryAfter === undefined
    ? reply
    : { ...reply, headers: { ...reply.headers, 'retry-after': retryAfter } };
}

function entraFaultReply(fault: FaultSpec, status: number, retryAfter: string | undefined): SandboxReply {
  const error =
    status === 429 || status === 503
      ? 'temporarily_unavailable'
      : status >= 500
        ? 'server_error'
        : 'invalid_request';
  const code =
    typeof fault.code === 'number' ? fault.code : status === 429 ? 50196 : status >= 500 ? 90033 : 90014;
  const description =
    fault.description ??
    (status === 429
      ? 'The server is throttling this client. Try again later.'
      : 'A transient error has occurred. Please try again.');
  return entraError(status, typeof fault.code === 'string' ? fault.code : error, code, description, {
    retryAfter,
  });
}

/** The N of "Try again in N seconds", whether Retry-After is given in seconds or as an HTTP date. */
function retryAfterSeconds(retryAfter: string | undefined): number {
  if (retryAfter === undefined) return 1;
  if (/^\d+$/.test(retryAfter)) return Number(retryAfter);
  const at = Date.parse(retryAfter);
  return Number.isNaN(at) ? 1 : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
