import {
  DynamicModule,
  Inject,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import type { AuthConfig } from './auth.config';
import { AUTH_CONFIG, AuthGuard, TOKEN_VERIFIER } from './auth.guard';
import { TokenVerifier } from './token-verifier';

/**
 * Inbound authentication and authorization: the AuthGuard, for REST and GraphQL alike, which the application
 * registers as its first global guard (app.module.ts).
 */
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
        AuthGuard,
      ],
      exports: [AuthGuard],
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
