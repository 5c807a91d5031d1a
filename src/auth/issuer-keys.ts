import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { ConnectionPool } from '../common/http/connection-pool';
import { httpsExchange } from '../common/http/https-exchange';
import { IssuerUnavailableError } from './issuer-unavailable.error';

export interface IssuerKeysOptions {
  /** One fetch of the JWKS, answer read whole, at most this long. */
  fetchTimeoutMs: number;
  /** At most one refetch per this long for a token naming an unknown `kid` (a hostile one costs nothing more). */
  cooldownMs: number;
  /** Keys older than this are refetched in the background; until that succeeds, they keep serving. */
  maxAgeMs: number;
  now?: () => number;
}

/**
 * The issuer's signing keys (its JWKS), read through the gateway's HTTPS exchange: bounded in time and size, so a
 * JWKS that stalls mid-answer or never ends fails the fetch instead of holding every caller's request (jose's own
 * fetch waits for the end of the body without a bound, and all requests share its one fetch). Keys are kept once
 * read: a token with an unknown `kid` (a rotation) refetches, at most once per cooldown; stale keys are refreshed in
 * the background and keep serving while the issuer is down, as Entra ID's keys stay valid for weeks.
 */
export class IssuerKeys {
  private local?: JWTVerifyGetKey;
  private fetchedAtMs = 0;
  private attemptedAtMs = Number.NEGATIVE_INFINITY;
  private pending?: Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly jwksUri: string,
    private readonly pool: ConnectionPool,
    private readonly options: IssuerKeysOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** jose's key lookup: the token's faults as jose's errors, the issuer's as IssuerUnavailableError. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.local) await this.reload();
    else if (this.now() - this.fetchedAtMs >= this.options.maxAgeMs && !this.coolingDown())
      this.reload().catch(() => undefined); // the keys held keep serving; the next stale lookup tries again
    try {
      return await this.local!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // A fetch under way (a refresh of stale keys, another token's unknown kid) may bring the key: wait for it.
      if (this.pending) await this.pending.catch(() => undefined);
      else if (this.coolingDown()) throw error;
      else await this.reload();
      return this.local!(header, token);
    }
  };

  /** Whether keys were read (they are kept, stale or not, while the issuer is down). */
  held(): boolean {
    return this.local !== undefined;
  }

  /** Reads the keys unless held (IssuerUnavailableError when the issuer does not give them). */
  async load(): Promise<void> {
    if (!this.local) await this.reload();
  }

  private coolingDown(): boolean {
    return this.now() < this.attemptedAtMs + this.options.cooldownMs;
  }

  /** One fetch at a time, shared by every token waiting on it. */
  private reload(): Promise<void> {
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetch(): Promise<void> {
    this.attemptedAtMs = this.now();
    let reason: string;
    try {
      const answer = await httpsExchange(this.pool, {
        method: 'GET',
        url: this.jwksUri,
        headers: { accept: 'application/json' },
        timeoutMs: this.options.fetchTimeoutMs,
      });
      if (answer.status !== 200) throw new Error(`status ${answer.status}`);
      this.local = createLocalJWKSet(JSON.parse(answer.body) as JSONWebKeySet);
      this.fetchedAtMs = this.now();
      return;
    } catch (error) {
      reason = error instanceof SyntaxError ? 'not JSON' : (error as Error).message;
    }
    throw new IssuerUnavailableError(`the JWKS at ${this.jwksUri} could not be read (${reason})`);
  }
}
