/** What every API answer gets: nothing may load, run or frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * What every API answer carries: the gateway serves JSON to programs, so nothing may be sniffed, framed, cached or
 * referred. Fastify's onSend hook adds them to routed answers (hardening/security-headers.hook.ts); answers written
 * before any hook runs (HTTP parser errors, URLs the router cannot decode) set them themselves.
 */
export const API_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': API_CSP,
};
