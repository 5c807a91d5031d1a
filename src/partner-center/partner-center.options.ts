import { CertificateCredential } from './credentials/certificate-credential';
import type { QuotaOptions } from './quota/quota-shaper';

/** How the gateway proves itself to Entra ID: a client secret, or a certificate read (and checked) at start-up. */
export type PartnerCenterCredential =
  | { kind: 'secret'; clientSecret: string }
  | { kind: 'certificate'; certificatePath: string; certificate: CertificateCredential };

export interface RetryOptions {
  /** Total attempts of one logical call, the first included. */
  maxAttempts: number;
  attemptTimeoutMs: number;
  /** Budget for the whole logical call, waits included. */
  deadlineMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited out: the 429 goes back to the caller. */
  maxRetryAfterSeconds: number;
}

/** A breaker per upstream: this many failed calls in a row open it for `breakMs`, then one probe is let through. */
export interface CircuitOptions {
  failureThreshold: number;
  breakMs: number;
}

/** Bounds that keep a sick upstream from taking the gateway down with it. */
export interface ResilienceOptions {
  circuit: CircuitOptions;
  /** Logical Partner Center calls in flight at once, and how many more may wait for a slot. */
  maxConcurrentCalls: number;
  maxQueuedCalls: number;
  /** Retries may not exceed `minRetries + ratio × calls` over the last `windowMs`, process-wide. */
  retryBudget: { ratio: number; minRetries: number; windowMs: number };
}

/** `app`: the partner's app identity (client credentials). `app+user`: on-behalf-of the signed-in caller. */
export type PartnerCenterAuthMode = 'app' | 'app+user';

export interface PartnerCenterOptions {
  authMode: PartnerCenterAuthMode;
  baseUrl: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  credential: PartnerCenterCredential;
  applicationName: string;
  locale: string;
  retry: RetryOptions;
  /** The adaptive upstream concurrency limit's bounds. */
  quota: QuotaOptions;
  resilience: ResilienceOptions;
  /** CA certificates (PEM) to trust besides the system store and NODE_EXTRA_CA_CERTS: the embedded sandbox's. */
  extraCaCertificates?: string[];
}

export const PARTNER_CENTER_OPTIONS = Symbol('PARTNER_CENTER_OPTIONS');
