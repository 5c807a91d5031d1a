/**
 * What the Authorization header holds: nothing, a bearer token, something else (another scheme, garbage), or more
 * than one field (RFC 6750 §3.1: a token sent more than once is an invalid request).
 */
export type Credentials =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'malformed' }
  | { kind: 'repeated' };

// RFC 6750 b64token: what a JWT is made of, and nothing else (no spaces, no second credential).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The request's credentials. Node keeps the first of repeated Authorization fields and drops the others silently,
 * so they are counted in the raw header list: a proxy in front may have checked another one than the gateway would.
 */
export function credentialsFrom(
  authorization: string | string[] | undefined,
  rawHeaders?: readonly string[],
): Credentials {
  if (authorization === undefined) return { kind: 'none' };
  if (Array.isArray(authorization)) return { kind: 'malformed' };
  // Before the empty check: an empty first field hides the ones after it from Node's parsed headers.
  if (rawHeaders && authorizationFields(rawHeaders) > 1) return { kind: 'repeated' };
  if (authorization === '') return { kind: 'none' };
  const match = BEARER.exec(authorization);
  return match ? { kind: 'bearer', token: match[1] } : { kind: 'malformed' };
}

function authorizationFields(rawHeaders: readonly string[]): number {
  let fields = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 13 && name.toLowerCase() === 'authorization') fields += 1;
  }
  return fields;
}
