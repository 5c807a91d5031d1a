import type { CorsPolicy } from './hardening/cors.hook';
import { GRAPHQL_PATH } from './graphql/graphql.options';
import { CORRELATION_HEADER } from './request-context/request-context.hook';
import { IDEMPOTENCY_KEY_HEADERS } from './usage-budget/idempotency';
import { USAGE_BUDGET_ROUTE } from './usage-budget/usage-budget.controller';

/** Request headers both API routes read: the token, the JSON body, correlation, idempotency, locale, the trace. */
const API_REQUEST_HEADERS = [
  'Authorization',
  'Content-Type',
  CORRELATION_HEADER,
  'X-Correlation-Id',
  ...IDEMPOTENCY_KEY_HEADERS,
  'X-Locale',
  'traceparent',
  'tracestate',
];

/**
 * What a browser portal on another origin may use (CORS_ALLOWED_ORIGINS): the two API routes and the request
 * headers each reads, and the answer headers it needs to read — the correlation id to quote, when to retry, how old
 * a cached read is, why a token was refused, the idempotency key echoed. Health, metrics and the developer pages
 * are not for other origins.
 */
export const BROWSER_API: CorsPolicy = {
  routes: {
    // Apollo's CSRF prevention accepts a request carrying either of its two headers (or a JSON body); a GET query
    // needs one. Accept is read for the 406 of an answer the client cannot take.
    [GRAPHQL_PATH]: [...API_REQUEST_HEADERS, 'Accept', 'apollo-require-preflight', 'x-apollo-operation-name'],
    // Cache-Control: no-cache (or max-age=0) on a read asks Partner Center instead of the cache.
    [USAGE_BUDGET_ROUTE]: [...API_REQUEST_HEADERS, 'Cache-Control'],
  },
  exposedHeaders: [CORRELATION_HEADER, ...IDEMPOTENCY_KEY_HEADERS, 'Retry-After', 'Age', 'WWW-Authenticate'],
};
