import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { currentCaller } from '../request-context/request-context';
import { RATE_LIMIT_CONFIG, RateLimitConfig } from './rate-limit.config';
import { CallerRateLimitedException } from './caller-rate-limited.exception';

const WINDOW_MS = 60_000;
/** Past this many tracked callers, finished windows are dropped, so memory stays bounded under a flood of ids. */
const PRUNE_AT = 10_000;
/** Probes and scrapes come from the platform, not from callers: a probe that gets 429 takes a healthy replica out. */
export const RATE_LIMIT_EXEMPT_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Per-caller fixed-window rate limit, after authentication (interceptors run after guards), so a caller is its
 * token's subject; anonymous sandbox callers are told apart by address. Every GraphQL operation and REST call counts;
 * health probes and metric scrapes do not.
 */
@Injectable()
export class CallerRateLimitInterceptor implements NestInterceptor {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly perMinute: number;

  constructor(@Inject(RATE_LIMIT_CONFIG) config: RateLimitConfig) {
    this.perMinute = config.perMinute;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.perMinute > 0 && !isExempt(context)) this.take(this.callerKey(context));
    return next.handle();
  }

  private take(key: string): void {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      if (this.windows.size >= PRUNE_AT) this.prune(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count > this.perMinute) {
      throw new CallerRateLimitedException(Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000)));
    }
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (now - window.start >= WINDOW_MS) this.windows.delete(key);
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
