import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { ThrottlerStorage } from '@nestjs/throttler';
import { RATE_LIMIT_CONFIG, RateLimitConfig } from './rate-limit.config';
import { CallerRateLimitedException } from './caller-rate-limited.exception';

const WINDOW_MS = 60_000;
/** Probes and scrapes come from the platform, not from callers: a probe that gets 429 takes a healthy replica out. */
export const RATE_LIMIT_EXEMPT_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Per-caller fixed-window rate limit, after authentication: registered as the global guard right after the
 * authentication guard (app.module.ts), so a caller is its token's subject; anonymous sandbox callers are told apart
 * by address. Every GraphQL operation and REST call counts; health probes and metric scrapes do not. (A guard rather
 * than an interceptor: an interceptor costs an rxjs pipeline per request and per resolver.)
 */
@Injectable()
export class CallerRateLimitGuard implements CanActivate {
  private readonly perMinute: number;

  constructor(
    @Inject(RATE_LIMIT_CONFIG) config: RateLimitConfig,
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
  ) {
    this.perMinute = config.perMinute;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.perMinute <= 0 || isExempt(context)) return true; // no promise when there is nothing to count
    return this.take(this.callerKey(context)).then(() => true);
  }

  /**
   * Counted by @nestjs/throttler's storage: its in-memory ThrottlerStorageService for one process, the fleet's
   * Redis through SharedStateThrottlerStorage. (Our guard, not the library's: the caller is the token's subject,
   * known once the authentication guard has run, not only an address.)
   */
  private async take(key: string): Promise<void> {
    const record = await this.storage.increment(key, WINDOW_MS, this.perMinute, 0, 'caller');
    if (record.isBlocked) throw new CallerRateLimitedException(Math.max(1, record.timeToBlockExpire));
  }

  private callerKey(context: ExecutionContext): string {
    const request: FastifyRequest | undefined =
      context.getType<string>() === 'graphql'
        ? GqlExecutionContext.create(context).getContext<{ req?: FastifyRequest }>().req
        : context.switchToHttp().getRequest();
    const caller = request?.requestContext?.caller;
    if (caller && !caller.anonymous) return `subject:${caller.subject}`;
    return `address:${request?.ip ?? 'unknown'}`;
  }
}

function isExempt(context: ExecutionContext): boolean {
  if (context.getType<string>() !== 'http') return false;
  const route = context.switchToHttp().getRequest<FastifyRequest>().routeOptions?.url;
  return route !== undefined && RATE_LIMIT_EXEMPT_ROUTES.has(route);
}
