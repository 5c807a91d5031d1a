// The sandbox's public contract: the gateway's e2e tests program against these types.

export type FaultTarget = 'partner-center' | 'token';
export type LogTarget = FaultTarget | 'metadata' | 'admin' | 'other';

export interface SandboxClient {
  clientId: string;
  clientSecret?: string;
  /** PEM of the certificate whose key signs this app's client assertions. */
  certificatePem?: string;
}

export interface SandboxOptions {
  /** Listen address; default '127.0.0.1'. */
  host?: string;
  /** Default 0 (a random free port). */
  port?: number;
  /** Host name used in URLs, issuer and certificate SAN; default: host. */
  publicHost?: string;
  /** Where ca.pem is written; default a fresh directory under os.tmpdir(). */
  stateDir?: string;
  /** The partner tenant; default SANDBOX_TENANT_ID. */
  tenantId?: string;
  /** Registered apps; default one app SANDBOX_CLIENT_ID with a random secret. */
  clients?: SandboxClient[];
  /** Default 3599, like Entra. */
  tokenLifetimeSeconds?: number;
  /** Audience of caller tokens issued for the gateway; default 'api://usage-budget-gateway'. */
  callerAudience?: string;
  /** Faults active from start. */
  faults?: FaultSpec[];
  /** Partner Center's throttling, off by default; settable at run time (RunningSandbox.throttle, /_sandbox/throttle). */
  throttle?: ThrottleConfig;
  /** Seeds this many more customers (extraCustomerId(i), budget extraCustomerAmount(i)) for load tests; default 0. */
  extraCustomers?: number;
  /** How many request log entries are kept (the latest); default 10,000. Counters stay exact regardless. */
  requestLogLimit?: number;
  quiet?: boolean;
}

/**
 * Fixed windows like Partner Center's limits: at most `perPartner` Partner Center requests per window per partner
 * tenant, and at most `perCustomer` per partner + customer. A window starts with the first request after the last
 * one ended. Over a limit: 429 with Retry-After (whole seconds until that window ends, at least 1). Throttled requests
 * do not count against the window.
 */
export interface ThrottleConfig {
  windowMs: number;
  perPartner?: number;
  perCustomer?: number;
}

export interface FaultSpec {
  /** Default 'partner-center'. */
  target?: FaultTarget;
  customerId?: string;
  method?: 'GET' | 'PATCH' | 'POST';
  /**
   * 'status' answers `status` at once (200..599; below 400 only with a raw `body`); 'latency' delays, then answers normally;
   * 'hang' never answers; 'reset' destroys the connection before handling; 'drop-after-apply' (Partner Center PATCH only,
   * method defaults to 'PATCH') handles the request normally, applying it and remembering it for MS-RequestId replays,
   * then destroys the connection without answering: "applied, answer lost"; 'slow-answer' handles the request at once (a
   * GET reads the budget as it is then, a PATCH is applied) and holds its answer latencyMs before sending it.
   */
  kind: 'status' | 'latency' | 'hang' | 'reset' | 'drop-after-apply' | 'slow-answer';
  /** For kind 'status': 200..599. */
  status?: number;
  code?: number | string;
  description?: string;
  /** Raw body override; '' sends an empty body. */
  body?: string;
  /** Retry-After value (seconds or HTTP date); 429 defaults to '1'; 'none' omits it. */
  retryAfter?: string;
  latencyMs?: number;
  /**
   * For kinds 'latency' and 'slow-answer': each delay is latencyMs plus a uniform random 0..jitterMs. Real services' latency varies; a
   * fixed delay makes the answers to requests sent together leave together, in bursts that queue at the client.
   */
  jitterMs?: number;
  /** Apply to the next N matching requests, then expire. */
  count?: number;
  /** Apply to this share (0..1) of matching requests, spread evenly. */
  rate?: number;
}

export interface ActiveFault extends FaultSpec {
  id: string;
  /** How many requests this fault has hit so far. */
  applied: number;
}

export interface LoggedRequest {
  seq: number;
  at: string;
  target: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** How many times this MS-RequestId was seen, 1 for the first (and for requests without one). */
  attempt: number;
  status?: number;
  fault?: string;
}

export interface SeededCustomer {
  id: string;
  name: string;
  amount: number | null;
  /** What the customer exercises: a normal budget, an empty 404, or a 403 (no commerce relationship). */
  behavior: 'budget' | 'not-found-empty-body' | 'no-commerce-relationship';
  /** False for the customer whose responses omit usageSpendingBudget. */
  hasUsageSpendingBudget: boolean;
}

export interface CallerTokenClaims {
  roles?: string[];
  scp?: string;
  sub?: string;
  oid?: string;
  name?: string;
  upn?: string;
  amr?: string[];
  expiresInSeconds?: number;
  notBeforeSeconds?: number;
  aud?: string;
  appid?: string;
}

export interface RunningSandbox {
  /** Partner Center base URL and authority host, e.g. https://127.0.0.1:43121 */
  url: string;
  /** `${url}/${tenantId}`: the authority to give MSAL. */
  authority: string;
  tenantId: string;
  defaultClient: { clientId: string; clientSecret: string };
  /** True when the default client's secret was generated by the sandbox (so it may be printed). */
  defaultClientSecretGenerated: boolean;
  caCertPem: string;
  caCertPath: string;
  callerAudience: string;
  customers: SeededCustomer[];
  faults: { add(spec: FaultSpec): string; remove(id: string): boolean; clear(): void; list(): ActiveFault[] };
  requestLog: { entries(filter?: { target?: LogTarget }): LoggedRequest[]; clear(): void };
  /** Set (replacing any), clear or read the throttle; the setting survives reset(), its windows and counter do not. */
  throttle: { set(config: ThrottleConfig): void; clear(): void; get(): ThrottleConfig | undefined };
  /** Exact counters, in flight now and at peak (the same as GET /_sandbox/stats). */
  stats(): SandboxStats;
  /** Starts a new peak of Partner Center requests in flight from the number in flight now. */
  resetInFlightPeak(): void;
  tokenRequests(): number;
  /**
   * How many PATCHes were applied (answered 200 by the handler, the answer lost or not), for one customer or all;
   * MS-RequestId replays and rejected PATCHes are not counted. Cleared by reset().
   */
  patchesApplied(customerId?: string): number;
  /** Every Partner Center access token issued so far (before a reset too) gets 401 from now on; later ones are accepted. */
  revokeTokens(): void;
  registerClient(c: SandboxClient): void;
  issueCallerToken(claims: CallerTokenClaims): Promise<string>;
  /**
   * Budgets, idempotency records, faults, log, counters, throttle windows and the in-flight peak back to the start.
   * Revoked tokens stay revoked; registered apps and the throttle setting stay.
   */
  reset(): void;
  close(): Promise<void>;
}

/** GET /_sandbox/stats */
export interface SandboxStats {
  tokenRequests: number;
  /** Every request seen since the last reset, admin ones included; exact even when the log has dropped entries. */
  requests: number;
  /** The same, per target. */
  requestsByTarget: Record<LogTarget, number>;
  activeFaults: number;
  /** Partner Center requests answered 429 by the throttle (429s from faults are not counted). */
  throttled: number;
  /** The throttle in force, if any. */
  throttle: ThrottleConfig | null;
  /** Partner Center requests being handled now (read until the answer is written or the connection closes). */
  inFlight: number;
  /** The most in flight at once since the last reset or resetInFlightPeak(). */
  inFlightPeak: number;
  /** PATCHes applied, replays excluded (see RunningSandbox.patchesApplied). */
  patchesApplied: number;
  /** The same, per customer id (lowercase), only customers with at least one. */
  patchesAppliedByCustomer: Record<string, number>;
}
