import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { createHash } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { createConnectionPool, type ConnectionPool } from '../common/http/connection-pool';
import { httpsExchange } from '../common/http/https-exchange';
import type { TokenValidationConfig } from './auth.config';
import { IssuerKeys } from './issuer-keys';
import { IssuerUnavailableError } from './issuer-unavailable.error';

/** Asymmetric algorithms only: `none` and HMAC (a public key used as a shared secret) are never accepted. */
export const ALLOWED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** The token is not acceptable: the caller must get another one (401 `invalid_token`). */
export class InvalidTokenError extends Error {
  constructor(
    readonly reason: string,
    /** Why, in words for the caller: a claim's name at most, never a value from the token. */
    readonly explanation = 'it is malformed',
  ) {
    super(`invalid bearer token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

const FETCH_TIMEOUT_MS = 5_000;
const VERIFIED_CACHE_SIZE = 10_000;
const VERIFIED_CACHE_MS = 10 * 60_000;
const DISCOVERY_ATTEMPTS = 3;

/**
 * Validates bearer tokens against one issuer's published keys. The JWKS location is discovered lazily, on the first
 * token, so the gateway starts while the identity provider is down; a failed discovery is retried on the next token.
 * Keys are cached and refetched when a token names an unknown `kid`, at most once per cooldown.
 */
export class TokenVerifier {
  /** Discovery and the JWKS: bounded in time and size like every upstream answer. */
  private readonly pool: ConnectionPool;
  private keys?: Promise<IssuerKeys>;
  /** The issuer's keys once discovered: what keysHeld() asks without waiting. */
  private discovered?: IssuerKeys;
  private readonly verified = new Map<string, { payload: JWTPayload; until: number }>();
  /** The token verified last, answered without hashing: most requests come from a few callers' tokens in turn. */
  private last?: { token: string; payload: JWTPayload; until: number };

  constructor(private readonly config: TokenValidationConfig) {
    this.pool = createConnectionPool(config.extraCaCertificates);
  }

  /**
   * Verified tokens are remembered (by a hash of the token, until it expires, at most 10 minutes and 10,000 of them),
   * so a caller's repeated requests cost one RS256 verification, not one each: that verification was ~7% of the CPU
   * of a proxied call under load.
   */
  async verify(token: string): Promise<JWTPayload> {
    const known = this.verifiedAlready(token);
    if (known) return known;
    const payload = await this.verifyAgainstKeys(token);
    const expiresAt = (Number(payload.exp) + this.config.clockToleranceSeconds) * 1000;
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    const remembered = { payload, until: Math.min(expiresAt, Date.now() + VERIFIED_CACHE_MS) };
    this.verified.set(tokenKey(token), remembered);
    this.last = { token, ...remembered };
    return payload;
  }

  /**
   * The claims of a token verified before and not expired since, without a promise (what nearly every request
   * gets, so the auth guard admits it synchronously); undefined when it must be verified.
   */
  verifiedAlready(token: string): JWTPayload | undefined {
    const now = Date.now();
    if (this.last && this.last.token === token && now < this.last.until) return this.last.payload;
    const remembered = this.verified.get(tokenKey(token));
    if (!remembered || now >= remembered.until) return undefined;
    this.last = { token, ...remembered };
    return remembered.payload;
  }

  private async verifyAgainstKeys(token: string): Promise<JWTPayload> {
    // The issuer's keys are asked for only once jose has parsed the token and accepted its algorithm: a token no key
    // could verify (alg none, HMAC, not a JWT) is refused as invalid even while discovery fails, never answered
    // "unavailable, retry later", and never makes the gateway call the issuer.
    const keys: JWTVerifyGetKey = async (header, jws) => (await this.keySet()).getKey(header, jws);
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ALLOWED_ALGORITHMS,
        issuer: this.config.issuer,
        audience: this.config.audiences,
        clockTolerance: this.config.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      });
      return payload;
    } catch (error) {
      if (error instanceof IssuerUnavailableError) throw error;
      // jose's codes (ERR_JWT_EXPIRED, ERR_JWKS_NO_MATCHING_KEY…) say why without echoing the token.
      if (!(error instanceof errors.JOSEError)) throw new InvalidTokenError('malformed');
      throw new InvalidTokenError(error.code, explanationOf(error));
    }
  }

  /** Whether the issuer's signing keys are held: tokens can be verified now, whether the issuer answers or not. */
  keysHeld(): boolean {
    return this.discovered?.held() ?? false;
  }

  /**
   * Discovers and reads the issuer's keys unless they are held, as a caller's first token would (readiness asks so
   * before any caller does); IssuerUnavailableError when the issuer does not give them.
   */
  async loadKeys(): Promise<void> {
    await (await this.keySet()).load();
  }

  close(): void {
    void this.pool.destroy();
  }

  private keySet(): Promise<IssuerKeys> {
    this.keys ??= this.createKeySet().catch((error: unknown) => {
      this.keys = undefined; // the next token tries again
      throw error;
    });
    return this.keys;
  }

  private async createKeySet(): Promise<IssuerKeys> {
    const jwksUri = this.config.jwksUri ?? (await this.discoverJwksUri());
    this.discovered = new IssuerKeys(jwksUri, this.pool, {
      fetchTimeoutMs: FETCH_TIMEOUT_MS,
      cooldownMs: 30_000,
      maxAgeMs: 60 * 60_000,
    });
    return this.discovered;
  }

  /**
   * The issuer's metadata, with a few quick retries: discovery runs on a caller's request, which is waiting. All
   * attempts share one fetch timeout: an issuer that stalls is not waited for three times over.
   */
  private async discoverJwksUri(): Promise<string> {
    const url = `${this.config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const deadline = Date.now() + FETCH_TIMEOUT_MS;
    const discovery = retry(
      handleWhen(() => Date.now() < deadline),
      {
        maxAttempts: DISCOVERY_ATTEMPTS - 1,
        backoff: new ExponentialBackoff({ initialDelay: 400, maxDelay: 1_600 }),
      },
    );
    try {
      return await discovery.execute(async () => {
        const answer = await httpsExchange(this.pool, {
          method: 'GET',
          url,
          headers: { accept: 'application/json' },
          timeoutMs: Math.max(1, deadline - Date.now()),
        });
        if (answer.status !== 200) throw new Error(`status ${answer.status}`);
        const metadata = JSON.parse(answer.body) as { issuer?: unknown; jwks_uri?: unknown };
        if (metadata.issuer !== this.config.issuer)
          throw new Error(`it names another issuer (${String(metadata.issuer)})`);
        if (typeof metadata.jwks_uri !== 'string' || !metadata.jwks_uri.startsWith('https://'))
          throw new Error('it has no https jwks_uri');
        return metadata.jwks_uri;
      });
    } catch (error) {
      throw new IssuerUnavailableError(`OpenID discovery at ${url} failed: ${(error as Error).message}`);
    }
  }
}

/**
 * Why a token was refused, for its caller: a token from the right issuer that is refused for all callers at once is
 * most often a v1.0 token (iss `https://sts.windows.net/{tenant}/`) for a v2.0 AUTH_ISSUER, or the reverse, and
 * "invalid or expired" does not say so. Only claim names: nothing from the token is echoed.
 */
function explanationOf(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return 'another issuer signed it (a v1.0 token for a v2.0 issuer, or the reverse?)';
      case 'aud':
        return 'it is for another audience';
      case 'nbf':
        return 'it is not valid yet (nbf)';
      case 'iat':
        return 'it was issued in the future (iat)';
      default:
        return `its "${error.claim}" claim is missing or wrong`;
    }
  }
  if (error instanceof errors.JWKSNoMatchingKey) return "no key of the issuer's matches its kid";
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its signing algorithm is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  return 'it is malformed';
}

/** Verified tokens are remembered by a hash, never by the token itself. */
function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
