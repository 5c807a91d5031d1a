import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { from, Observable, switchMap } from 'rxjs';
import { SHARED_STATE, SharedState } from '../shared-state/shared-state';
import { currentCaller } from '../request-context/request-context';
import { RATE_LIMIT_CONFIG, RateLimitConfig } from './rate-limit.config';
import { CallerRateLimitedException } from './caller-rate-limited.exception';

const WINDOW_MS = 60_000;
/** Probes and scrapes come from the platform, not from callers: a probe that gets 429 takes a healthy replica out. */
export const RATE_LIMIT_EXEMPT_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Per-caller fixed-window rate limit, after authentication (interceptors run after guards), so a caller is its
 * token's subject; anonymous sandbox callers are told apart by address. Every GraphQL operation and REST call counts;
 * health probes and metric scrapes do not.
 */
@Injectable()
export class CallerRateLimitInterceptor implements NestInterceptor {
  private readonly perMinute: number;

  constructor(
    @Inject(RATE_LIMIT_CONFIG) config: RateLimitConfig,
    @Inject(SHARED_STATE) private readonly shared: SharedState,
  ) {
    this.perMinute = config.perMinute;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.perMinute <= 0 || isExempt(context)) return next.handle();
    return from(this.take(this.callerKey(context))).pipe(switchMap(() => next.handle()));
  }

  /** One fixed window per caller and minute, counted for the whole fleet (Redis) or this process (memory). */
  private async take(key: string): Promise<void> {
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const { count } = await this.shared.increment(`ratelimit:${key}:${window}`, 2 * WINDOW_MS);
    const resetInMs = (window + 1) * WINDOW_MS - now;
    if (count > this.perMinute) {
      throw new CallerRateLimitedException(Math.max(1, Math.ceil(resetInMs / 1000)));
    }
  }

  private callerKey(context: ExecutionContext): string {
    const caller = currentCaller();
    if (caller && !caller.anonymous) return `subject:${caller.subject}`;
    const request: FastifyRequest | undefined =
      context.getType<string>() === 'graphql'
        ? GqlExecutionContext.create(context).getContext<{ req?: FastifyRequest }>().req
        : context.switchToHttp().getRequest();
    return `address:${request?.ip ?? 'unknown'}`;
  }
}

function isExempt(context: ExecutionContext): boolean {
  if (context.getType<string>() !== 'http') return false;
  const route = context.switchToHttp().getRequest<FastifyRequest>().routeOptions?.url;
  return route !== undefined && RATE_LIMIT_EXEMPT_ROUTES.has(route);
}
