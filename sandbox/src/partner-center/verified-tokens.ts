import type { JWTPayload } from 'jose';

/** How many distinct tokens are remembered; a client holds one or two at a time, a test run a few hundred. */
const DEFAULT_CAPACITY = 1_000;

/**
 * Access tokens whose signature, issuer and audience the sandbox has already checked, by their exact text.
 *
 * Why: an RS256 verification is about half of what the sandbox spends on a call, and a client sends the same token
 * for an hour. Resource servers verify a token once and remember it; without this the sandbox, which shares the
 * benchmark's machine with the gateway, took CPU the gateway was being measured on. Only what cannot change is
 * remembered: the time claims, the revocation and the tenant are checked on every call (see authorization.ts), and a
 * token that differs by one character is a different key, so it is verified in full. Failures are never remembered.
 */
export class VerifiedTokens {
  private readonly payloads = new Map<string, JWTPayload>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The payload of a token verified before that is still within its lifetime (exp and nbf, as jose checks them). */
  current(token: string, nowSeconds: number): JWTPayload | undefined {
    const payload = this.payloads.get(token);
    if (payload === undefined) return undefined;
    if ((payload.exp ?? 0) <= nowSeconds || (payload.nbf ?? 0) > nowSeconds) {
      // Expired (or not yet valid): verified again in full, which gives the client the exact rejection.
      this.payloads.delete(token);
      return undefined;
    }
    return payload;
  }

  remember(token: string, payload: JWTPayload): void {
    if (this.payloads.size >= this.capacity) {
      // Maps iterate in insertion order: the oldest entry goes.
      const oldest = this.payloads.keys().next().value;
      if (oldest !== undefined) this.payloads.delete(oldest);
    }
    this.payloads.set(token, payload);
  }
}
