import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { CallerRateLimitedException } from './caller-rate-limited.exception';
import { RATE_LIMIT_CONFIG, RateLimitConfig } from './rate-limit.config';

const WINDOW_MS = 60_000;
/** Probes and scrapes come from the platform, not from callers: a probe that gets 429 takes a healthy replica out. */
export const RATE_LIMIT_EXEMPT_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Per-caller rate limit: at most RATE_LIMIT_PER_MINUTE requests in any minute (a sliding window), counted after
 * authentication, so a caller is its token's subject; anonymous sandbox callers are told apart by address. Every REST
 * call (CallerRateLimitGuard) and every GraphQL HTTP request (the GraphQL gate, once per request whatever its fields)
 * counts; health probes and metric scrapes do not.
 */
@Injectable()
export class CallerRateLimiter {
  private readonly perMinute: number;

  constructor(
    @Inject(RATE_LIMIT_CONFIG) config: RateLimitConfig,
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
  ) {
    this.perMinute = config.perMinute;
  }

  /** Counts the request against its caller's budget; 429 past it. No promise when there is nothing to count. */
  take(request: FastifyRequest | undefined): Promise<void> | undefined {
    if (this.perMinute <= 0 || isExempt(request)) return undefined;
    return this.increment(callerKey(request));
  }

  /**
   * Counted through @nestjs/throttler's storage contract by SharedStateThrottlerStorage: in this process's memory,
   * or the fleet's Redis. (Our limiter, not the library's guard: the caller is the token's subject, known once
   * authentication has run, not only an address.)
   */
  private async increment(key: string): Promise<void> {
    const record = await this.storage.increment(key, WINDOW_MS, this.perMinute, 0, 'caller');
    if (record.isBlocked) throw new CallerRateLimitedException(Math.max(1, record.timeToBlockExpire));
  }
}

function callerKey(request: FastifyRequest | undefined): string {
  const caller = request?.requestContext?.caller;
  if (caller && !caller.anonymous) return `subject:${caller.subject}`;
  return `address:${request?.ip ?? 'unknown'}`;
}

function isExempt(request: FastifyRequest | undefined): boolean {
  const route = request?.routeOptions?.url;
  return route !== undefined && RATE_LIMIT_EXEMPT_ROUTES.has(route);
}
