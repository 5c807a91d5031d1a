import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ACCESS_TOKEN_SOURCE } from '../partner-center/partner-center.module';
import type { AccessTokenSource } from '../partner-center/pipeline/bearer-token.policy';
import { ProbedReadiness } from './probed-readiness';
import { ReadinessRegistry, ReadinessResult } from './readiness.registry';

/** How long a probe's answer is reused when no token is held, so probes do not hammer Entra ID. */
export const TOKEN_PROBE_CACHE_MS = 5_000;
export const TOKEN_PROBE_TIMEOUT_MS = 2_000;

interface HoldsTokens extends AccessTokenSource {
  hasUsableToken?(): boolean;
}

/**
 * Ready when a Partner Center token is held, or can be obtained now (one attempt with a short timeout, its answer
 * cached for a few seconds). In app+user mode tokens belong to callers: nothing to check ahead of a call.
 */
@Injectable()
export class PartnerCenterTokenCheck implements OnModuleInit {
  private readonly probe = new ProbedReadiness(
    () =>
      this.tokens.getToken().then(
        (): ReadinessResult => ({ ready: true, detail: 'token obtained' }),
        (error: unknown): ReadinessResult => ({
          ready: false,
          detail: `no token: ${(error as { code?: string; kind?: string }).code ?? (error as { kind?: string }).kind ?? 'error'}`,
        }),
      ),
    {
      timeoutMs: TOKEN_PROBE_TIMEOUT_MS,
      reuseMs: TOKEN_PROBE_CACHE_MS,
      timedOut: { ready: false, detail: 'no token from Entra ID in time' },
    },
  );

  constructor(
    @Inject(ACCESS_TOKEN_SOURCE) private readonly tokens: HoldsTokens,
    private readonly registry: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register('partnerCenterToken', () => this.check());
  }

  async check(now = Date.now()): Promise<ReadinessResult> {
    if (typeof this.tokens.hasUsableToken !== 'function')
      return { ready: true, detail: 'per-caller tokens (app+user)' };
    if (this.tokens.hasUsableToken()) return { ready: true, detail: 'token held' };
    return this.probe.check(now);
  }
}
