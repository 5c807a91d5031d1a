import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { EntraIdWaits } from './credentials/entra-id-waits';
import { createMsalApplication } from './credentials/msal-application.factory';
import { APP_ONLY_SCOPE, TokenProvider } from './credentials/token-provider';
import { DEFAULT_TOKEN_CYCLER_OPTIONS } from './credentials/token-cycler';
import { Metrics } from '../observability/metrics';
import { PROCESS_LOGGER } from '../observability/logger';
import type { Logger as PinoLogger } from 'pino';
import { createConnectionPool, type ConnectionPool } from '../common/http/connection-pool';
import { createTransport } from './http/transport';
import { PARTNER_CENTER_PIPELINE, PartnerCenterClient } from './partner-center.client';
import { PARTNER_CENTER_OPTIONS, PartnerCenterOptions } from './partner-center.options';
import { AccessTokenSource, bearerTokenPolicy } from './pipeline/bearer-token.policy';
import { bulkheadPolicy } from './pipeline/bulkhead.policy';
import {
  circuitBreakerPolicy,
  ENTRA_ID_CIRCUIT,
  ENTRA_ID_FAILURES,
  PARTNER_CENTER_CIRCUIT,
  PARTNER_CENTER_FAILURES,
  UpstreamCircuit,
} from './pipeline/circuit-breaker.policy';
import { RetryBudget } from './pipeline/retry-budget';
import { OnBehalfOfTokenProvider } from './credentials/on-behalf-of-token-provider';
import { correlationPolicy } from './pipeline/correlation.policy';
import { createPipeline } from './pipeline/pipeline';
import { requestIdPolicy } from './pipeline/request-id.policy';
import { retryPolicy } from './pipeline/retry.policy';
import { standardHeadersPolicy } from './pipeline/standard-headers.policy';
import { telemetryPolicy, tokenTelemetry } from './pipeline/telemetry.policy';
import { QuotaShaper } from './quota/quota-shaper';
import { SHARED_STATE, SharedState } from '../shared-state/shared-state';
import {
  quotaFeedbackPolicy,
  quotaGatePolicy,
  quotaPausePolicy,
  rateBudgetPolicy,
} from './quota/quota.policies';
import { quotaTelemetry } from './quota/quota.telemetry';

const CONNECTION_POOL = Symbol('PARTNER_CENTER_CONNECTION_POOL');
export const ACCESS_TOKEN_SOURCE = Symbol('PARTNER_CENTER_ACCESS_TOKEN_SOURCE');

/**
 * The outbound side: one connection pool, one MSAL application (app-only or on-behalf-of tokens, by
 * PARTNER_CENTER_AUTH_MODE), and the request pipeline
 *   requestId → correlation → standard headers → circuit breaker → bulkhead → quota gate (429 pauses,
 *   adaptive concurrency) → retry (deadline, attempts, timeouts, retry budget) → quota pause (of retries)
 *   → quota feedback → telemetry → bearer token → fleet request budget (each attempt, as it is sent) → transport
 * The id stamping is outside the retry so every retry of a call carries the same MS-RequestId; signing is inside,
 * so a token request or a refresh after a 401 is one more attempt under the same bounds. The breaker judges whole
 * logical calls (a blip that a retry absorbs is no failure) and refuses before a bulkhead slot is taken; the
 * bulkhead holds a slot for the call's whole life, so the number of connections busy never exceeds it.
 */
/** How long startup waits for the pauses held in Redis: Redis' connect timeout, so an outage delays it once. */
const PAUSES_LOAD_WAIT_MS = 2_000;

@Module({})
export class PartnerCenterModule implements OnApplicationShutdown {
  constructor(@Inject(CONNECTION_POOL) private readonly pool: ConnectionPool) {}

  static forRoot(options: PartnerCenterOptions): DynamicModule {
    const logger = new Logger('PartnerCenter');
    return {
      module: PartnerCenterModule,
      global: true,
      providers: [
        { provide: PARTNER_CENTER_OPTIONS, useValue: options },
        {
          provide: QuotaShaper,
          inject: [SHARED_STATE],
          // The gateway takes calls only once it knows the fleet's pauses in force (bounded: Redis may be away).
          useFactory: async (shared: SharedState) => {
            const quota = new QuotaShaper(options.quota, shared);
            await quota.pausesLoaded(PAUSES_LOAD_WAIT_MS);
            return quota;
          },
        },
        {
          provide: PARTNER_CENTER_CIRCUIT,
          useFactory: () =>
            new UpstreamCircuit(
              'partner-center',
              options.resilience.circuit,
              PARTNER_CENTER_FAILURES,
              (state) => logger.warn({ msg: 'Partner Center circuit changed', state }),
            ),
        },
        {
          provide: ENTRA_ID_CIRCUIT,
          useFactory: () =>
            new UpstreamCircuit('entra-id', options.resilience.circuit, ENTRA_ID_FAILURES, (state) =>
              logger.warn({ msg: 'Entra ID circuit changed', state }),
            ),
        },
        { provide: CONNECTION_POOL, useFactory: () => createConnectionPool(options.extraCaCertificates) },
        {
          provide: ACCESS_TOKEN_SOURCE,
          inject: [CONNECTION_POOL, SHARED_STATE, ENTRA_ID_CIRCUIT, { token: Metrics, optional: true }],
          useFactory: (
            pool: ConnectionPool,
            shared: SharedState,
            entraId: UpstreamCircuit,
            metrics?: Metrics,
          ): AccessTokenSource => {
            const msalLog = { warn: (m: string) => logger.warn(m), debug: (m: string) => logger.debug(m) };
            const waits = new EntraIdWaits();
            const application = () => createMsalApplication(options, pool, msalLog, waits);
            return options.authMode === 'app+user'
              ? new OnBehalfOfTokenProvider(application, waits)
              : new TokenProvider(
                  application,
                  shared,
                  `${options.authorityHost}|${options.tenantId}|${options.clientId}`,
                  APP_ONLY_SCOPE,
                  {
                    ...DEFAULT_TOKEN_CYCLER_OPTIONS,
                    observer: tokenTelemetry(metrics, (entry) => logger.warn(entry)),
                  },
                  entraId,
                  waits,
                );
          },
        },
        {
          provide: PARTNER_CENTER_PIPELINE,
          inject: [
            CONNECTION_POOL,
            ACCESS_TOKEN_SOURCE,
            QuotaShaper,
            PARTNER_CENTER_CIRCUIT,
            { token: Metrics, optional: true },
            { token: PROCESS_LOGGER, optional: true },
          ],
          useFactory: (
            pool: ConnectionPool,
            tokens: AccessTokenSource,
            quota: QuotaShaper,
            circuit: UpstreamCircuit,
            metrics?: Metrics,
            processLogger?: PinoLogger,
          ) =>
            createPipeline(
              [
                requestIdPolicy(),
                correlationPolicy(),
                standardHeadersPolicy(options),
                circuitBreakerPolicy(circuit),
                bulkheadPolicy(options.resilience.maxConcurrentCalls, options.resilience.maxQueuedCalls),
                quotaGatePolicy(
                  quota,
                  Math.min(options.retry.maxRetryAfterSeconds * 1000, options.retry.deadlineMs),
                  quotaTelemetry(quota, metrics),
                ),
                retryPolicy(
                  options.retry,
                  (event) => logger.warn({ msg: 'retrying Partner Center call', ...event }),
                  new RetryBudget(options.resilience.retryBudget),
                ),
                quotaPausePolicy(
                  quota,
                  Math.min(options.retry.maxRetryAfterSeconds * 1000, options.retry.deadlineMs),
                ),
                quotaFeedbackPolicy(quota),
                telemetryPolicy(metrics, {
                  debug: (entry) => logger.debug(entry),
                  debugEnabled: () => processLogger?.isLevelEnabled('debug') ?? true,
                }),
                bearerTokenPolicy(tokens),
                rateBudgetPolicy(quota),
              ],
              createTransport(pool),
            ),
        },
        PartnerCenterClient,
      ],
      exports: [
        PartnerCenterClient,
        PARTNER_CENTER_OPTIONS,
        QuotaShaper,
        ACCESS_TOKEN_SOURCE,
        PARTNER_CENTER_CIRCUIT,
        ENTRA_ID_CIRCUIT,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.destroy();
  }
}
