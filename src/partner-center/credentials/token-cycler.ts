import { SingleFlight } from '../../common/single-flight';

/** An access token and when it stops being accepted. */
export interface HeldToken {
  token: string;
  expiresOnMs: number;
  /** When Entra ID asks for it to be renewed (`refresh_in`), earlier than expiry. */
  refreshOnMs?: number;
}

export interface TokenCyclerOptions {
  /** Renew at most this long before expiry (and at half the lifetime for short-lived tokens). */
  refreshBeforeExpiryMs: number;
  /** Never hand out a token this close to expiry (capped at a tenth of its lifetime). */
  expirySafetyMs: number;
  /** The first wait after a failed renewal; doubles per failure, with jitter. */
  failureBackoffMs: number;
  failureBackoffMaxMs: number;
  now?: () => number;
  random?: () => number;
  /** Metrics and tracing of token acquisitions (observability wires it; nothing by default). */
  observer?: TokenObserver;
}

/** Sees every acquisition (it wraps the call, for a span and its duration) and every token served from the cycler. */
export interface TokenObserver {
  acquisition<T>(acquire: () => Promise<T>): Promise<T>;
  servedHeld(): void;
}

export const DEFAULT_TOKEN_CYCLER_OPTIONS: TokenCyclerOptions = {
  refreshBeforeExpiryMs: 5 * 60_000,
  expirySafetyMs: 30_000,
  failureBackoffMs: 250,
  failureBackoffMaxMs: 4_000,
};

/**
 * Keeps one token for a credential, in the manner of Azure's token cycler, so that a blip of the token endpoint is
 * never seen by callers:
 * - the held token is handed out without asking MSAL (no per-call cache lookup);
 * - it is renewed early, in the background, at a jittered point before expiry (replicas do not renew together), or
 *   when Entra ID's `refresh_in` says, if that is sooner;
 * - while a renewal fails, the held token keeps being served until it really expires;
 * - one renewal is in flight at a time, and after a failure the next one waits (exponential backoff with jitter),
 *   so an outage is not hammered: calls without a usable token meanwhile fail fast with the last failure.
 */
export class TokenCycler {
  private held?: HeldToken;
  private refreshAtMs = 0;
  private failures = 0;
  private lastFailure?: unknown;
  private retryNotBeforeMs = 0;
  private readonly renewal = new SingleFlight<HeldToken>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly acquire: () => Promise<HeldToken>,
    private readonly options: TokenCyclerOptions = DEFAULT_TOKEN_CYCLER_OPTIONS,
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** `forceRefresh`: Partner Center refused the held token (401); get a new one now, backoff or not. */
  async getToken(options: { forceRefresh?: boolean } = {}): Promise<string> {
    if (options.forceRefresh) return (await this.renew()).token;
    const held = this.heldToken();
    if (held !== undefined) return held;
    if (this.lastFailure !== undefined && this.now() < this.retryNotBeforeMs && !this.renewal.has('renew'))
      throw withWaitLeft(this.lastFailure, this.retryNotBeforeMs - this.now());
    return (await this.renew()).token;
  }

  /**
   * The held token while it can be handed out (a renewal starts in the background when it is due), without a
   * promise: what nearly every call gets, so the bearer policy signs it synchronously.
   */
  heldToken(): string | undefined {
    const held = this.held;
    const now = this.now();
    if (!held || now >= this.usableUntil(held)) return undefined;
    if (now >= this.refreshAtMs && now >= this.retryNotBeforeMs && !this.renewal.has('renew')) {
      this.renew().catch(() => undefined); // a failed background renewal is retried later; the held token serves
    }
    this.options.observer?.servedHeld();
    return held.token;
  }

  /** Whether a token is held that can still be handed out (readiness). */
  hasUsableToken(): boolean {
    return this.held !== undefined && this.now() < this.usableUntil(this.held);
  }

  private renew(): Promise<HeldToken> {
    return this.renewal.run('renew', async () => {
      const startedAt = this.now();
      try {
        const fresh = await (this.options.observer
          ? this.options.observer.acquisition(() => this.acquire())
          : this.acquire());
        this.held = fresh;
        this.failures = 0;
        this.lastFailure = undefined;
        this.retryNotBeforeMs = 0;
        this.refreshAtMs = this.plannedRefresh(fresh, startedAt);
        return fresh;
      } catch (error) {
        this.failures += 1;
        this.lastFailure = error;
        let step = Math.min(
          this.options.failureBackoffMaxMs,
          this.options.failureBackoffMs * 2 ** (this.failures - 1),
        );
        // A held token about to expire gets retries close enough together to be renewed before it does.
        if (this.held) step = Math.min(step, Math.max(50, (this.usableUntil(this.held) - this.now()) / 4));
        const askedMs = retryAfterMs(error);
        // Entra ID said when to come back (a 429's or 503's Retry-After): exactly then, neither sooner nor later.
        this.retryNotBeforeMs =
          this.now() +
          (askedMs !== undefined && !this.held ? askedMs : step / 2 + this.random() * (step / 2));
        throw error;
      }
    });
  }

  private usableUntil(held: HeldToken): number {
    return held.expiresOnMs - this.safetyMargin(held);
  }

  private safetyMargin(held: HeldToken): number {
    return Math.min(this.options.expirySafetyMs, Math.max(0, held.expiresOnMs - this.now()) / 10);
  }

  private plannedRefresh(held: HeldToken, acquiredAt: number): number {
    const lifetime = Math.max(0, held.expiresOnMs - acquiredAt);
    const before = Math.min(this.options.refreshBeforeExpiryMs, lifetime / 2);
    const jitter = this.random() * Math.min(30_000, lifetime / 10);
    const planned = held.expiresOnMs - before - jitter;
    // Entra ID's refresh_in (long-lived tokens under continuous access evaluation) is when it wants a new one.
    return held.refreshOnMs !== undefined && held.refreshOnMs < planned ? held.refreshOnMs : planned;
  }
}

/** The wait a failure asked for (Entra ID's Retry-After), in ms. */
function retryAfterMs(error: unknown): number | undefined {
  const seconds = (error as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof seconds === 'number' ? seconds * 1000 : undefined;
}

/**
 * A failure replayed during the wait before the next token request says how much of the wait is left: not what
 * Entra ID asked at first, and also when it asked nothing (the backoff's own wait), since calls fail fast until then
 * and a caller that comes back sooner meets the same failure.
 */
function withWaitLeft(error: unknown, leftMs: number): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Record<string, unknown>;
  Object.assign(copy, error, { retryAfterSeconds: Math.max(1, Math.ceil(leftMs / 1000)) });
  return copy;
}
