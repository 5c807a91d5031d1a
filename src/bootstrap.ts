import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import type { GatewayConfig } from './gateway-config';
import { registerRequestContextHook } from './request-context/request-context.hook';
import { registerSecurityHeaders } from './hardening/security-headers.hook';
import { registerJsonBodyParser } from './hardening/json-body.parser';
import { PartnerCenterOptions } from './partner-center/partner-center.options';
import { configureHttp } from './problem/configure-http';
import { GRAPHQL_PATH } from './graphql/graphql.options';
import { answerFrameworkError } from './problem/framework-errors';
import { setupOpenApi } from './usage-budget/openapi';

/**
 * Builds the gateway application (not yet listening). main.ts and the e2e tests both start the gateway through
 * this one function, so what the tests run is what production runs.
 */
export interface GatewayRuntimeOptions {
  /** Where log lines go instead of stdout (the tests capture them). */
  logDestination?: DestinationStream;
}

export async function createGateway(
  config: GatewayConfig,
  partnerCenter: PartnerCenterOptions,
  runtime: GatewayRuntimeOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    return503OnClosing: true,
    trustProxy: config.http.trustProxy,
    frameworkErrors: answerFrameworkError,
  });
  // First hook of all, so that every later step, and every response, has the correlation id.
  registerRequestContextHook(adapter.getInstance());
  registerSecurityHeaders(adapter.getInstance());
  // The gateway's own JSON parser (nesting and member limits, prototype keys), instead of Nest's; no other body
  // type is parsed (form bodies get 415), text/plain stays Fastify's so Apollo can refuse it as CSRF.
  registerJsonBodyParser(adapter.getInstance(), { bodyLimitBytes: config.http.bodyLimitBytes });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, partnerCenter, runtime.logDestination),
    adapter,
    {
      bufferLogs: true,
      // Let start-up errors (a bad certificate file) reach the caller instead of Nest exiting the process.
      abortOnError: false,
      bodyParser: false,
    },
  );
  app.useLogger(app.get(Logger));
  configureHttp(app, { bodyLimitBytes: config.http.bodyLimitBytes, graphqlPath: GRAPHQL_PATH });
  setupOpenApi(app);
  await app.init();
  return app;
}
