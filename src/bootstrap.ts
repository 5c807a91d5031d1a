import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import type { GatewayConfig } from './gateway-config';
import { gatewaySecrets } from './gateway-secrets';
import { registerDrainGate } from './health/drain.hook';
import { ShutdownState } from './health/shutdown-state';
import { registerInboundTelemetry } from './observability/inbound-telemetry.hook';
import { createObservability } from './observability/observability';
import { correlationIdOfRequest, registerRequestContextHook } from './request-context/request-context.hook';
import { registerSecurityHeaders } from './hardening/security-headers.hook';
import { registerJsonBodyParser } from './hardening/json-body.parser';
import {
  clientErrorHandler,
  connectListener,
  EdgeRefusalCounter,
  unmetExpectationListener,
} from './hardening/http-parser-errors';
import { registerClosingConnectionGuard } from './hardening/closing-connections';
import { httpServerOptions, registerHostHeaderCheck } from './hardening/http-server.options';
import { registerMediaTypeCheck } from './hardening/media-type.hook';
import { registerMethodNotAllowed } from './hardening/method-not-allowed.hook';
import { KnownRoutes } from './hardening/known-routes';
import { CorsOfRefusal, registerCors } from './hardening/cors.hook';
import { BROWSER_API } from './browser-api';
import { PartnerCenterOptions } from './partner-center/partner-center.options';
import { configureHttp } from './problem/configure-http';
import { GRAPHQL_PATH } from './graphql/graphql.options';
import { frameworkErrorHandler } from './problem/framework-errors';
import { setupOpenApi } from './usage-budget/openapi';

/**
 * Builds the gateway application (not yet listening). main.ts and the e2e tests both start the gateway through
 * this one function, so what the tests run is what production runs.
 */
export interface GatewayRuntimeOptions {
  /** Where log lines go instead of stdout (the tests capture them). */
  logDestination?: DestinationStream;
  /** The environment the OpenTelemetry SDK reads its `OTEL_*` variables from (process.env by default). */
  env?: Record<string, string | undefined>;
}

export async function createGateway(
  config: GatewayConfig,
  partnerCenter: PartnerCenterOptions,
  runtime: GatewayRuntimeOptions = {},
): Promise<NestFastifyApplication> {
  const env = runtime.env ?? process.env;
  const observability = createObservability(
    config.observability,
    runtime.logDestination,
    env,
    gatewaySecrets(config, partnerCenter, env),
  );
  const shutdown = new ShutdownState();
  // Refusals made before any route or hook runs are invisible to the inbound telemetry: counted here.
  const countRefusal: EdgeRefusalCounter = (status, reason) =>
    observability.metrics.edgeRefusals.inc({ status: String(status), reason });
  let corsOfRefusal: CorsOfRefusal = () => ({});
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    ...httpServerOptions(config.http),
    // What Node's HTTP parser refuses (431, 400, the 408 of the request timeout) is answered as problem+json too.
    clientErrorHandler: clientErrorHandler(config.http, countRefusal),
    // Off: once the server stops accepting, Fastify's own 503 (bare JSON, no code, no correlation id) would answer the
    // requests still read on open connections; the drain gate answers them instead, as SHUTTING_DOWN.
    return503OnClosing: false,
    trustProxy: config.http.trustProxy,
    // Its answers get no onSend hook: their CORS headers come from the CORS hook, once the routes are learnt (below).
    frameworkErrors: frameworkErrorHandler(countRefusal, (request) => corsOfRefusal(request)),
    genReqId: correlationIdOfRequest,
    // No Express-style middleware is mounted (see LoggingModule): Fastify's hooks only, without the middleware engine.
    skipMiddie: true,
  });
  // A request pipelined behind a refusal that ends its connection never runs (not even the hooks after this one).
  registerClosingConnectionGuard(adapter.getInstance());
  // First hooks of all, so that every later step, and every response, has the correlation id and the trace.
  registerRequestContextHook(adapter.getInstance());
  registerInboundTelemetry(adapter.getInstance(), observability);
  // Learnt before the routes exist: a known path asked with another method is 405, not 404, and a CORS preflight is
  // granted what its route serves. The GraphQL route's HEAD and OPTIONS are Apollo's own, not offered.
  const routes = KnownRoutes.learn(adapter.getInstance(), { [GRAPHQL_PATH]: ['HEAD', 'OPTIONS'] });
  // Before the drain gate: a preflight costs nothing and is granted even while draining (cors.hook.ts).
  corsOfRefusal = registerCors(adapter.getInstance(), config.cors, routes, BROWSER_API);
  registerDrainGate(adapter.getInstance(), shutdown, { graphqlPath: GRAPHQL_PATH });
  registerSecurityHeaders(adapter.getInstance());
  adapter.getInstance().server.on('checkExpectation', unmetExpectationListener(countRefusal));
  adapter.getInstance().server.on('connect', connectListener(countRefusal));
  registerHostHeaderCheck(adapter.getInstance());
  registerMethodNotAllowed(adapter.getInstance(), routes);
  registerMediaTypeCheck(adapter.getInstance(), { graphqlPath: GRAPHQL_PATH });
  // The gateway's own JSON parser (nesting and member limits, prototype keys), instead of Nest's; no other body
  // type is parsed (415, registerMediaTypeCheck), text/plain stays Fastify's on /graphql so Apollo can refuse it as
  // CSRF.
  registerJsonBodyParser(adapter.getInstance(), { bodyLimitBytes: config.http.bodyLimitBytes });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, partnerCenter, { observability, shutdown }),
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
