import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { AuthConfig } from '../auth/auth.config';
import { AUTH_CONFIG, TOKEN_VERIFIER } from '../auth/authenticator';
import type { TokenVerifier } from '../auth/token-verifier';
import { ProbedReadiness } from './probed-readiness';
import { ReadinessRegistry, ReadinessResult } from './readiness.registry';

export const ISSUER_PROBE_CACHE_MS = 5_000;
export const ISSUER_PROBE_TIMEOUT_MS = 2_000;

/**
 * When every call needs a bearer token (AUTH_ISSUER, not sandbox mode): ready when the issuer's signing keys are held,
 * or can be read now (discovery and the JWKS, one attempt with a short timeout, its answer reused for a few seconds).
 * A replica that cannot read them would answer every caller 503; one that holds them keeps serving while the issuer
 * is down (the keys stay valid for weeks), so an issuer outage takes out only replicas that never read its keys,
 * e.g. a rollout's new ones, while the old ones serve.
 */
@Injectable()
export class IssuerKeysCheck implements OnModuleInit {
  private readonly probe = new ProbedReadiness(
    () =>
      this.verifier!.loadKeys().then(
        (): ReadinessResult => ({ ready: true, detail: 'keys read' }),
        (error: unknown): ReadinessResult => ({
          ready: false,
          detail: `no keys: ${error instanceof Error ? error.message : 'error'}`,
        }),
      ),
    {
      timeoutMs: ISSUER_PROBE_TIMEOUT_MS,
      reuseMs: ISSUER_PROBE_CACHE_MS,
      timedOut: { ready: false, detail: 'the issuer did not give its keys in time' },
    },
  );

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier | null,
    private readonly registry: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    if (this.config.mode === 'jwt' && this.verifier)
      this.registry.register('tokenIssuerKeys', () => this.check());
  }

  check(now = Date.now()): Promise<ReadinessResult> {
    if (this.verifier!.keysHeld()) return Promise.resolve({ ready: true, detail: 'keys held' });
    return this.probe.check(now);
  }
}
