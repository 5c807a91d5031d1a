import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../request-context/caller';
import type { AuthConfig } from './auth.config';
import { AuthFailureLimit } from './auth-failure-limit';
import { credentialsFrom } from './bearer';
import { anonymousCaller, callerFromClaims } from './claims';
import { InvalidTokenError, TokenVerifier } from './token-verifier';

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
/** The TokenVerifier, or null when tokens cannot be validated (AUTH_DISABLED, or sandbox mode before the sandbox runs). */
export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

/**
 * Who is calling: the one authentication of the gateway, for the REST guard and the GraphQL gate alike. Sandbox mode
 * runs a call without a token as the sandbox identity, AUTH_DISABLED every call as an anonymous one; a token that is
 * sent is always verified (in sandbox mode too), and a bad one is refused, never downgraded to anonymous.
 */
@Injectable()
export class Authenticator {
  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier | null,
    private readonly failures: AuthFailureLimit,
  ) {}

  /**
   * The request's caller, recorded in its context. Without a promise when it is known (authenticated earlier in this
   * request, or a token verified before): what nearly every request gets. Refusals: 401 with its `WWW-Authenticate`
   * challenge set on `reply`, 429 for an address that sent too many bad tokens, 503 when the issuer's keys cannot be read.
   */
  callerOf(request: FastifyRequest | undefined, reply?: FastifyReply): Caller | Promise<Caller> {
    const known = request?.requestContext?.caller ?? this.verifiedCaller(request);
    if (known) return this.record(request, known);
    return this.authenticate(request, reply).then((caller) => this.record(request, caller));
  }

  private record(request: FastifyRequest | undefined, caller: Caller): Caller {
    if (request?.requestContext) request.requestContext.caller = caller;
    return caller;
  }

  /** The caller of a bearer token the verifier has already verified (and not seen expire), or undefined. */
  private verifiedCaller(request: FastifyRequest | undefined): Caller | undefined {
    if (this.config.mode === 'disabled' || this.verifier === null) return undefined;
    const credentials = credentialsFrom(request?.headers.authorization, request?.raw.rawHeaders);
    if (credentials.kind !== 'bearer') return undefined;
    const claims = this.verifier.verifiedAlready(credentials.token);
    return claims && callerFromClaims(claims, credentials.token);
  }

  private async authenticate(
    request: FastifyRequest | undefined,
    reply: FastifyReply | undefined,
  ): Promise<Caller> {
    const credentials = credentialsFrom(request?.headers.authorization, request?.raw.rawHeaders);
    if (this.config.mode === 'disabled') return anonymousCaller('anonymous');
    if (credentials.kind === 'none') {
      if (this.config.mode === 'sandbox') return anonymousCaller('sandbox');
      reply?.header('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('A bearer token is required (Authorization: Bearer <token>).');
    }
    if (credentials.kind === 'bearer' && this.verifier !== null) {
      const address = request?.ip ?? 'unknown';
      this.failures.assertMayVerify(address);
      try {
        return callerFromClaims(await this.verifier.verify(credentials.token), credentials.token);
      } catch (error) {
        if (!(error instanceof InvalidTokenError)) throw error;
        await this.failures.failed(address);
        reply?.header('WWW-Authenticate', 'Bearer error="invalid_token"');
        throw new UnauthorizedException(`The bearer token is invalid: ${error.explanation}.`);
      }
    }
    if (credentials.kind === 'repeated') {
      reply?.header('WWW-Authenticate', 'Bearer error="invalid_request"');
      throw new UnauthorizedException('Send one Authorization header, not several.');
    }
    reply?.header('WWW-Authenticate', 'Bearer error="invalid_token"');
    throw new UnauthorizedException(
      credentials.kind === 'bearer'
        ? 'The bearer token is invalid or expired.'
        : 'The Authorization header must be "Bearer <token>".',
    );
  }
}
