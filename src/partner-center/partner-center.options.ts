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
  /** CA certificates (PEM) to trust besides the system store and NODE_EXTRA_CA_CERTS: the embedded sandbox's. */
  extraCaCertificates?: string[];
}

export const PARTNER_CENTER_OPTIONS = Symbol('PARTNER_CENTER_OPTIONS');
