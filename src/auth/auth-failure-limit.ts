import { HttpException, HttpStatus } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

const WINDOW_MS = 60_000;
/** Bounds the memory of an attacker spreading over many addresses (an IPv6 prefix): the oldest block goes first. */
const MAX_BLOCKED_ADDRESSES = 10_000;

/** An address sent too many tokens that failed verification: 429 / RATE_LIMITED, and its tokens are not checked. */
export class TooManyFailedTokensException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      `Too many invalid bearer tokens from this address; retry after ${retryAfterSeconds} seconds.`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Failed token verifications per client address (`request.ip`, TRUST_PROXY applied), counted in the rate limits'
 * storage (the fleet's Redis when shared state is configured). Once an address reaches AUTH_FAILURES_PER_MINUTE, its
 * tokens that are not already known-valid are refused before their signature is checked: a forged token costs a
 * signature verification, so without this, anyone could buy the gateway's CPU with garbage. Tokens verified before
 * keep working from that address: a neighbour behind the same NAT cannot lock a working caller out.
 */
export class AuthFailureLimit {
  /**
   * Addresses over the limit, and until when: asked with no promise and no Redis round trip before each
   * verification. Each replica learns of a block on its own next failure from that address.
   */
  private readonly blocked = new Map<string, number>();

  constructor(
    private readonly perMinute: number,
    private readonly storage: ThrottlerStorage,
  ) {}

  /** Throws 429 when the address is over the limit: its token must not be verified. */
  assertMayVerify(address: string): void {
    const until = this.blocked.get(address);
    if (until === undefined) return;
    const left = until - Date.now();
    if (left <= 0) {
      this.blocked.delete(address);
      return;
    }
    throw new TooManyFailedTokensException(Math.ceil(left / 1000));
  }

  /** Counts one failed verification; once the address reaches the limit, its next tokens are refused unchecked. */
  async failed(address: string): Promise<void> {
    if (this.perMinute <= 0) return;
    const record = await this.storage.increment(
      `auth-failures:${address}`,
      WINDOW_MS,
      this.perMinute,
      0,
      'auth',
    );
    if (record.totalHits < this.perMinute) return;
    if (this.blocked.size >= MAX_BLOCKED_ADDRESSES) this.blocked.delete(this.blocked.keys().next().value!);
    this.blocked.set(address, Date.now() + Math.max(1, record.timeToExpire) * 1000);
  }
}
