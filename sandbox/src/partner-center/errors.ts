import { json, type SandboxReply } from '../http/exchange';

/** Partner Center's documented error body. */
export function partnerCenterError(
  status: number,
  code: number | string,
  description: string,
  headers: Record<string, string> = {},
): SandboxReply {
  return json(status, { code, description, data: [], source: 'PartnerFD' }, headers);
}

/** 401s carry Partner Center's WWW-Authenticate challenge. */
export function accessDenied(description: string): SandboxReply {
  return partnerCenterError(401, 400, description, {
    'www-authenticate': 'OAuth realm=urn:cpsvc:cpid:sandbox',
  });
}

export function partnerTokenMissing(): SandboxReply {
  return partnerCenterError(401, 800001, 'Partner token missing', {
    'www-authenticate': 'OAuth realm=urn:cpsvc:cpid:sandbox',
  });
}

/** Partner Center's throttling answer has its own shape, not the PartnerFD one. */
export function rateLimitExceeded(retryAfterSeconds: number, retryAfter: string | undefined): SandboxReply {
  const headers: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': retryAfter };
  return json(
    429,
    { statusCode: 429, message: `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.` },
    headers,
  );
}

const DEFAULT_CODES: Record<number, [number, string]> = {
  400: [400, 'Bad request'],
  401: [400, 'Access denied'],
  403: [2032, 'Access denied'],
  404: [1000, 'Not found'],
  408: [408, 'Request timeout'],
  409: [409, 'Conflict'],
  500: [800003, 'Unexpected service error'],
  501: [501, 'Not implemented'],
  502: [502, 'Bad gateway'],
  503: [503, 'Service unavailable'],
  504: [504, 'Gateway timeout'],
};

/** The body Partner Center sends for a given status when a fault doesn't say otherwise. */
export function defaultPartnerCenterError(status: number): [number, string] {
  return DEFAULT_CODES[status] ?? [status, `Error ${status}`];
}
