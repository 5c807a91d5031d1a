import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Agent } from 'node:https';
import { createMsalApplication } from './credentials/msal-application.factory';
import { TokenProvider } from './credentials/token-provider';
import { createHttpsAgent } from './http/https-agent';
import { createTransport } from './http/transport';
import { PARTNER_CENTER_PIPELINE, PartnerCenterClient } from './partner-center.client';
import { PARTNER_CENTER_OPTIONS, PartnerCenterOptions } from './partner-center.options';
import { bearerTokenPolicy } from './pipeline/bearer-token.policy';
import { correlationPolicy } from './pipeline/correlation.policy';
import { createPipeline } from './pipeline/pipeline';
import { requestIdPolicy } from './pipeline/request-id.policy';
import { retryPolicy } from './pipeline/retry.policy';
import { standardHeadersPolicy } from './pipeline/standard-headers.policy';

const HTTPS_AGENT = Symbol('PARTNER_CENTER_HTTPS_AGENT');

/**
 * The outbound side: one keep-alive agent, one MSAL application, and the request pipeline
 *   requestId → correlation → standard headers → bearer token (refresh once on 401) → retry (+ timeouts) → transport
 * The id stamping is outside the retry so every retry of a call carries the same MS-RequestId.
 */
@Module({})
export class PartnerCenterModule implements OnApplicationShutdown {
  constructor(@Inject(HTTPS_AGENT) private readonly agent: Agent) {}

  static forRoot(options: PartnerCenterOptions): DynamicModule {
    const logger = new Logger('PartnerCenter');
    return {
      module: PartnerCenterModule,
      global: true,
      providers: [
        { provide: PARTNER_CENTER_OPTIONS, useValue: options },
        { provide: HTTPS_AGENT, useFactory: () => createHttpsAgent(options.extraCaCertificates) },
        {
          provide: TokenProvider,
          inject: [HTTPS_AGENT],
          useFactory: (agent: Agent) =>
            new TokenProvider(
              createMsalApplication(options, agent, { warn: (m) => logger.warn(m), debug: (m) => logger.debug(m) }),
              options.tenantId,
            ),
        },
        {
          provide: PARTNER_CENTER_PIPELINE,
          inject: [HTTPS_AGENT, TokenProvider],
          useFactory: (agent: Agent, tokens: TokenProvider) =>
            createPipeline(
              [
                requestIdPolicy(),
                correlationPolicy(),
                standardHeadersPolicy(options),
                bearerTokenPolicy(tokens),
                retryPolicy(options.retry, (event) =>
                  logger.warn({ msg: 'retrying Partner Center call', ...event }),
                ),
              ],
              createTransport(agent),
            ),
        },
        PartnerCenterClient,
      ],
      exports: [PartnerCenterClient, TokenProvider, PARTNER_CENTER_OPTIONS],
    };
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }
}
