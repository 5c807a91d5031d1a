import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CallerRateLimiter } from './caller-rate-limiter';

/**
 * The per-caller rate limit of REST calls, registered as the global guard right after the authentication guard
 * (app.module.ts), so the caller is known. GraphQL resolvers are not counted here: the GraphQL gate counts each HTTP
 * request once, before Apollo runs anything, and answers 429 itself. (A guard rather than an interceptor: an
 * interceptor costs an rxjs pipeline per request and per resolver.)
 */
@Injectable()
export class CallerRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: CallerRateLimiter) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType<string>() !== 'http') return true;
    const counted = this.limiter.take(context.switchToHttp().getRequest<FastifyRequest>());
    return counted ? counted.then(() => true) : true; // no promise when there is nothing to count
  }
}
