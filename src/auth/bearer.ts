/** What the Authorization header holds: nothing, a bearer token, or something else (another scheme, garbage). */
export type Credentials = { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'malformed' };

// RFC 6750 b64token: what a JWT is made of, and nothing else (no spaces, no second credential).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function credentialsFrom(authorization: string | string[] | undefined): Credentials {
  if (authorization === undefined || authorization === '') return { kind: 'none' };
  if (Array.isArray(authorization)) return { kind: 'malformed' };
  const match = BEARER.exec(authorization);
  return match ? { kind: 'bearer', token: match[1] } : { kind: 'malformed' };
}
