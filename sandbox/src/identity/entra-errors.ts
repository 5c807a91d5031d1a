import { randomUUID } from 'node:crypto';
import { json, type SandboxReply } from '../http/exchange';

export interface EntraErrorExtras {
  suberror?: string;
  claims?: string;
  retryAfter?: string;
  correlationId?: string;
}

/** Entra ID's token-endpoint error shape; MSAL reads error, error_description, error_codes, suberror and claims. */
export function entraError(
  status: number,
  error: string,
  code: number,
  message: string,
  extras: EntraErrorExtras = {},
): SandboxReply {
  const traceId = randomUUID();
  const correlationId = extras.correlationId ?? randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  const body: Record<string, unknown> = {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
  if (extras.suberror) body.suberror = extras.suberror;
  if (extras.claims) body.claims = extras.claims;
  return json(status, body, extras.retryAfter ? { 'retry-after': extras.retryAfter } : {});
}

export const entraErrors = {
  tenantNotFound: (tenant: string) =>
    entraError(
      400,
      'invalid_request',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    ),
  noTenantInRequest: () =>
    entraError(
      400,
      'invalid_request',
      50059,
      'No tenant-identifying information found in either the request or implied by any provided credentials.',
    ),
  missingParameter: (name: string) =>
    entraError(
      400,
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  unsupportedGrant: (grant: string) =>
    entraError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grant}'.`,
    ),
  unknownClient: (clientId: string, tenant: string) =>
    entraError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  invalidSecret: (clientId: string) =>
    entraError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  missingCredential: () =>
    entraError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  invalidAssertion: (why: string) =>
    entraError(401, 'invalid_client', 700027, `Client assertion failed signature validation. ${why}`),
  invalidScope: (scope: string) =>
    entraError(
      400,
      'invalid_scope',
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    ),
  invalidGrant: (code: number, why: string) => entraError(400, 'invalid_grant', code, why),
};
