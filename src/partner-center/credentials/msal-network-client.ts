import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import type { ConnectionPool } from '../../common/http/connection-pool';
import { httpsExchange, type ExchangeResponse } from '../../common/http/https-exchange';
import { withoutEchoes } from '../../common/secret-echoes';
import type { EntraIdWaits } from './entra-id-waits';

/**
 * MSAL's own client is `fetch` with no timeout on POST, and it cannot be given the keep-alive connections or the
 * sandbox's CA. This one sends MSAL's requests through the gateway's one HTTPS exchange and connection pool, each bounded by
 * a timeout, so a hung token endpoint fails the attempt instead of hanging it.
 */
export function createMsalNetworkClient(
  pool: ConnectionPool,
  timeoutMs: number,
  waits?: EntraIdWaits,
): INetworkModule {
  const send = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> => {
    const response = await httpsExchange(pool, {
      method,
      url,
      headers: options?.headers,
      body: options?.body,
      timeoutMs: Math.min(timeout ?? timeoutMs, timeoutMs),
    });
    waits?.note(response.status, response.headers['retry-after']);
    const body = bodyOf(response, sentSecrets(options?.body));
    if (method === 'GET') waits?.noteMetadata(response.status, body);
    return { status: response.status, headers: response.headers, body: body as T };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

/** The parameters of a token request that are credentials: the app's secret or signed assertion, the caller's token. */
const SECRET_PARAMETERS = ['client_secret', 'client_assertion', 'assertion', 'refresh_token'];

function sentSecrets(form: string | undefined): string[] {
  if (!form) return [];
  const sent = new URLSearchParams(form);
  return SECRET_PARAMETERS.flatMap((name) => sent.getAll(name));
}

/**
 * An answer's strings without the credentials the request sent. A token endpoint (or a proxy before it) that quotes the
 * request in its error hands them to MSAL's error, then to the caller's answer and the logs, as the code, the
 * description, cut short past 300 characters or base64'd where no shape scrubber finds them: only here, where the
 * request is known, can they be told apart from other text, whatever their shape.
 */
function withoutSent(value: unknown, secrets: string[]): unknown {
  if (typeof value === 'string') return withoutEchoes(value, secrets);
  if (Array.isArray(value)) return value.map((item) => withoutSent(item, secrets));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutSent(item, secrets)]));
  return value;
}

/** What an answer that is no OAuth JSON (an HTML page from a proxy, an empty 404) is called in its error. */
const NON_JSON_ANSWER = 'non_json_answer';

/**
 * The answer's JSON object; else an OAuth-shaped error saying what came instead. Given nothing, MSAL would raise no
 * error with the status but "no access token", which the gateway could only read as "Entra ID could not be reached",
 * and retry: an HTML 400 from a proxy is no outage, and the operator needs to see what answered.
 */
function bodyOf(response: ExchangeResponse, sentSecrets: string[]): unknown {
  const type = response.headers['content-type']?.split(';')[0].trim() || 'no content type';
  try {
    const body: unknown = JSON.parse(response.body);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const answer = body as Record<string, unknown>;
      if (typeof answer.access_token !== 'string') return withoutSent(answer, sentSecrets);
      // The tokens granted go to no caller, and their JWTs begin as the assertion sent does (the same header): kept as
      // they are. The rest is cut even beside an access_token field: MSAL reads an `error` there as a refusal, and its
      // description reaches the caller's answer and the logs.
      const { access_token, refresh_token, id_token, ...rest } = answer;
      return withStatedLifetime({
        ...(withoutSent(rest, sentSecrets) as Record<string, unknown>),
        access_token,
        ...(refresh_token !== undefined && { refresh_token }),
        ...(id_token !== undefined && { id_token }),
      });
    }
  } catch {
    // not JSON: said below
  }
  return {
    error: NON_JSON_ANSWER,
    error_description: `Entra ID answered HTTP ${response.status} with ${response.body ? type : 'an empty body'}, not OAuth JSON (a proxy, or a wrong AZURE_AUTHORITY_HOST?)`,
  };
}

/** Entra ID's shortest configurable access-token lifetime: what a token that states none is taken to live. */
const UNSTATED_LIFETIME_SECONDS = 600;
/** A stated lifetime shorter than this is taken as none. */
const SHORTEST_STATED_LIFETIME_SECONDS = 2;

/**
 * A token answer as MSAL should cache it. MSAL reads a missing (or 0) `expires_in` as "expires now", so the gateway's
 * cycler, and MSAL's own cache of on-behalf-of tokens, would ask Entra ID again on every call. Such an answer gets the
 * lifetime of the token's own `exp` claim (Partner Center's tokens are JWTs), or else Entra ID's shortest lifetime (a
 * 401 from Partner Center renews it sooner). MSAL's parsing of the field (a string is read as an integer) is kept.
 */
export function withStatedLifetime(
  body: Record<string, unknown>,
  nowMs = Date.now(),
): Record<string, unknown> {
  if (typeof body.access_token !== 'string') return body;
  const stated = typeof body.expires_in === 'string' ? parseInt(body.expires_in, 10) : body.expires_in;
  if (typeof stated === 'number' && stated >= SHORTEST_STATED_LIFETIME_SECONDS) return body;
  return { ...body, expires_in: lifetimeClaimed(body.access_token, nowMs) ?? UNSTATED_LIFETIME_SECONDS };
}

function lifetimeClaimed(accessToken: string, nowMs: number): number | undefined {
  try {
    const { exp } = decodeJwt(accessToken);
    const seconds = typeof exp === 'number' ? Math.floor(exp - nowMs / 1000) : undefined;
    return seconds !== undefined && seconds >= SHORTEST_STATED_LIFETIME_SECONDS ? seconds : undefined;
  } catch {
    return undefined; // not a JWT: nothing in it says when it expires
  }
}
