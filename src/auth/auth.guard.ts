import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig } from './auth.config';
import { credentialsFrom } from './bearer';
import type { Caller } from '../request-context/caller';
import { anonymousCaller, callerFromClaims } from './claims';
import { isGranted, Permission, PERMISSION_KEY, PUBLIC_KEY } from './permissions';
import { InvalidTokenError, TokenVerifier } from './token-verifier';

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
/** The TokenVerifier, or null when tokens cannot be validated (AUTH_DISABLED, or sandbox mode before the sandbox runs). */
export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

/**
 * The one inbound gate, for REST handlers and GraphQL resolvers alike: authenticates the bearer token, records the
 * Caller in the request's context, and checks the handler's `@RequirePermission` — before any upstream call.
 * A handler without `@RequirePermission` still needs an authenticated caller; only `@Public()` ones need nothing.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** Each handler's `@Public()` and `@RequirePermission`, read once: decorators do not change at run time. */
  private readonly rules = new WeakMap<object, { isPublic: boolean; permission?: Permission }>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier | null,
  ) {}

  /** Synchronous for a token verified before (nearly every request): no promise on that path. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const { isPublic, permission } = this.rulesOf(context);
    if (isPublic) return true;
    const { request, reply } = this.http(context);
    const known = this.knownCaller(request);
    if (known) return this.admit(known, permission, request, reply);
    return this.authenticate(request, reply).then((caller) => this.admit(caller, permission, request, reply));
  }

  /** Records the caller in the request's context, then checks the handler's permission. */
  private admit(
    caller: Caller,
    permission: Permission | undefined,
    request: FastifyRequest | undefined,
    reply: FastifyReply | undefined,
  ): true {
    if (request?.requestContext) request.requestContext.caller = caller;
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

  /** The caller of a bearer token the verifier has already verified (and not seen expire), or undefined. */
  private knownCaller(request: FastifyRequest | undefined): Caller | undefined {
    if (this.config.mode === 'disabled' || this.verifier === null) return undefined;
    const credentials = credentialsFrom(request?.headers.authorization);
    if (credentials.kind !== 'bearer') return undefined;
    const claims = this.verifier.verifiedAlready(credentials.token);
    return claims && callerFromClaims(claims, credentials.token);
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

  private async authenticate(
    request: FastifyRequest | undefined,
    reply: FastifyReply | undefined,
  ): Promise<Caller> {
    const credentials = credentialsFrom(request?.headers.authorization);
    if (this.config.mode === 'disabled') return anonymousCaller('anonymous');
    if (credentials.kind === 'none') {
      if (this.config.mode === 'sandbox') return anonymousCaller('sandbox');
      reply?.header('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('A bearer token is required (Authorization: Bearer <token>).');
    }
    // A token that was sent is always checked, in sandbox mode too: a bad one is refused, never downgraded to anonymous.
    if (credentials.kind === 'bearer' && this.verifier !== null) {
      try {
        return callerFromClaims(await this.verifier.verify(credentials.token), credentials.token);
      } catch (error) {
        if (!(error instanceof InvalidTokenError)) throw error;
      }
    }
    reply?.header('WWW-Authenticate', 'Bearer error="invalid_token"');
    throw new UnauthorizedException(
      credentials.kind === 'bearer'
        ? 'The bearer token is invalid or expired.'
        : 'The Authorization header must be "Bearer <token>".',
    );
  }

  private http(context: ExecutionContext): { request?: FastifyRequest; reply?: FastifyReply } {
    if (context.getType<string>() === 'graphql') {
      return { request: GqlExecutionContext.create(context).getContext<{ req?: FastifyRequest }>().req };
    }
    const http = context.switchToHttp();
    return { request: http.getRequest<FastifyRequest>(), reply: http.getResponse<FastifyReply>() };
  }
}
