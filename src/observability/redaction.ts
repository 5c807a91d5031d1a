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
