/**
 * Paths pino censors in every log line. Secrets reach log calls in two ways: request headers (the caller's bearer
 * token) and objects that happen to hold credentials; both are cut here, once, for every logger of the process.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'clientSecret',
  '*.clientSecret',
  'privateKey',
  '*.privateKey',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'client_assertion',
  '*.client_assertion',
  'assertion',
  '*.assertion',
];

const BEARER = /\b(Bearer\s+)[A-Za-z0-9\-._~+/]{16,}=*/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const SECRET_PARAM = /\b(client_secret|client_assertion|assertion|access_token|refresh_token)=([^&\s"]+)/gi;

/** Last line of defence for free text (error messages, library log lines): strips tokens and form secrets. */
export function scrubSecrets(text: string): string {
  return text
    .replace(BEARER, '$1[REDACTED]')
    .replace(JWT, '[REDACTED-JWT]')
    .replace(SECRET_PARAM, '$1=[REDACTED]');
}
