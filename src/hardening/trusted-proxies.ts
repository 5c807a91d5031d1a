/** Fastify's `trustProxy`: which hops of X-Forwarded-For to believe (proxy-addr's `(address, hop) => boolean`). */
export type TrustedProxies = boolean | string | ((address: string, hop: number) => boolean);

/**
 * TRUST_PROXY as Fastify takes it. A number of hops is a function here: Fastify 5.12 stopped honouring a bare number
 * (it now trusts no hop at all, since a caller that reaches the gateway directly can prepend hops of its own). The
 * gateway keeps its documented meaning — the nearest N hops are proxies, the address before them is the caller's —
 * which is safe only where nothing but those proxies reaches the gateway (the README says so).
 */
export function trustedProxies(setting: boolean | number | string): TrustedProxies {
  if (typeof setting !== 'number') return setting;
  const hops = setting;
  return (_address, hop) => hop < hops;
}
