import {
  DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { AuthConfig } from './auth.config';
import { AuthFailureLimit } from './auth-failure-limit';
import { AuthGuard } from './auth.guard';
import { AUTH_CONFIG, Authenticator, TOKEN_VERIFIER } from './authenticator';
import { TokenVerifier } from './token-verifier';

/**
 * Inbound authentication and authorization: the Authenticator, which the GraphQL gate runs once per HTTP request,
 * and the AuthGuard (REST handlers, GraphQL resolvers), which the application registers as its first global guard
 * (app.module.ts). Failed tokens are counted in the rate limits' ThrottlerStorage, which the application provides.
 * Global, so readiness (health/) can ask the TokenVerifier whether the issuer's keys are held.
 */
@Global()
@Module({})
export class AuthModule implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier | null,
  ) {}

  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: AUTH_CONFIG, useValue: config },
        {
          provide: TOKEN_VERIFIER,
          useFactory: () =>
            config.mode === 'disabled' || !config.tokens ? null : new TokenVerifier(config.tokens),
        },
        {
          provide: AuthFailureLimit,
          inject: [ThrottlerStorage],
          useFactory: (storage: ThrottlerStorage) =>
            new AuthFailureLimit(config.mode === 'disabled' ? 0 : config.failuresPerMinute, storage),
        },
        Authenticator,
        AuthGuard,
      ],
      exports: [Authenticator, AuthGuard, AUTH_CONFIG, TOKEN_VERIFIER],
    };
  }

  onApplicationBootstrap(): void {
    switch (this.config.mode) {
      case 'disabled':
        this.logger.warn(
          'AUTHENTICATION IS DISABLED (AUTH_DISABLED=true): every call runs as an anonymous caller with full rights (UsageBudget.ReadWrite). Never do this in production.',
        );
        break;
      case 'sandbox':
        this.logger.warn(
          'SANDBOX MODE: calls without a token run as the built-in sandbox identity with full rights (UsageBudget.ReadWrite); ' +
            `a bearer token, when sent, is validated (issuer ${this.config.tokens?.issuer ?? 'none: tokens are refused'}).`,
        );
        break;
      case 'jwt':
        this.logger.log(
          `Bearer tokens required: issuer ${this.config.tokens.issuer}, audience ${this.config.tokens.audiences.join(', ')}`,
        );
        break;
    }
  }

  onModuleDestroy(): void {
    this.verifier?.close();
  }
}
