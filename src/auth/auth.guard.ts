import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../request-context/caller';
import { Authenticator } from './authenticator';
import { isGranted, Permission, PERMISSION_KEY, PUBLIC_KEY } from './permissions';

/**
 * The inbound gate of REST handlers and GraphQL resolvers alike: authenticates the caller (for GraphQL, already done
 * once for the HTTP request by the GraphQL gate, so only looked up here) and checks the handler's
 * `@RequirePermission` — before any upstream call. A handler without `@RequirePermission` still needs an
 * authenticated caller; only `@Public()` ones need nothing.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** Each handler's `@Public()` and `@RequirePermission`, read once: decorators do not change at run time. */
  private readonly rules = new WeakMap<object, { isPublic: boolean; permission?: Permission }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  /** Synchronous for a caller already known (nearly every request): no promise on that path. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const { isPublic, permission } = this.rulesOf(context);
    if (isPublic) return true;
    const { request, reply } = this.http(context);
    const caller = this.authenticator.callerOf(request, reply);
    if (caller instanceof Promise) return caller.then((known) => this.permit(known, permission, reply));
    return this.permit(caller, permission, reply);
  }

  private permit(caller: Caller, permission: Permission | undefined, reply: FastifyReply | undefined): true {
    if (permission !== undefined && !isGranted(caller, permission)) {
      reply?.header('WWW-Authenticate', 'Bearer error="insufficient_scope"');
      throw new ForbiddenException(
        permission === 'write'
          ? 'Changing a usage budget needs UsageBudget.ReadWrite.'
          : 'Reading a usage budget needs UsageBudget.Read or UsageBudget.ReadWrite.',
      );
    }
    return true;
  }

  private rulesOf(context: ExecutionContext): { isPublic: boolean; permission?: Permission } {
    const handler = context.getHandler();
    let rules = this.rules.get(handler);
    if (!rules) {
      const targets = [handler, context.getClass()];
      rules = {
        isPublic: this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) === true,
        permission: this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets),
      };
      this.rules.set(handler, rules);
    }
    return rules;
  }

  private http(context: ExecutionContext): { request?: FastifyRequest; reply?: FastifyReply } {
    if (context.getType<string>() === 'graphql') {
      return { request: GqlExecutionContext.create(context).getContext<{ req?: FastifyRequest }>().req };
    }
    const http = context.switchToHttp();
    return { request: http.getRequest<FastifyRequest>(), reply: http.getResponse<FastifyReply>() };
  }
}
