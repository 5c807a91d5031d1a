// First: stack traces mapped to the TypeScript source (see the module), then Nest loaded without paging in ICU's
// date-formatting data.
import './common/source-mapped-stacks';
import './common/lazy-nest-date-format';
import { Logger } from '@nestjs/common';
import { createGateway } from './bootstrap';
import { ConfigError } from './config/env';
import { GatewayConfig, loadGatewayConfig } from './gateway-config';
import { gatewaySecrets } from './gateway-secrets';
import { ShutdownState } from './health/shutdown-state';
import { createLogScrubber } from './observability/log-scrubber';
import { Metrics } from './observability/metrics';
import { MetricsListenError, startMetricsServer } from './observability/metrics-server';
import { scrubStandardStreams } from './observability/standard-streams';
import type { PartnerCenterOptions } from './partner-center/partner-center.options';
import { sandboxModeBanner, startEmbeddedSandbox, withSandboxIssuer } from './sandbox-mode/embedded-sandbox';

/** Why a server cannot listen on HOST:PORT; each is a configuration mistake, not a fault of the gateway. */
const LISTEN_ERRORS = new Set(['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES', 'ENOTFOUND', 'EAI_AGAIN']);

/** Production entry (`node dist/main.js`): configuration from the environment; the sandbox only when asked for. */
async function main(): Promise<void> {
  const loaded = loadGatewayConfig(process.env);
  let config: GatewayConfig = loaded;
  let partnerCenter: PartnerCenterOptions;
  let embedded: Awaited<ReturnType<typeof startEmbeddedSandbox>> | undefined;
  if (loaded.upstream.target === 'sandbox') {
    embedded = await startEmbeddedSandbox(loaded.upstream.connection, loaded.upstream.sandbox);
    config = { ...loaded, auth: withSandboxIssuer(loaded.auth, embedded.sandbox) };
    partnerCenter = embedded.partnerCenter;
  } else {
    partnerCenter = loaded.upstream.connection;
  }
  // From here on, every write to stdout and stderr is scrubbed as the log lines are: the secrets are known now (the
  // sandbox's once it started). Before, only configuration errors are written, which never quote a value that may be
  // a secret (config/env.ts).
  scrubStandardStreams(createLogScrubber(gatewaySecrets(config, partnerCenter)));

  let app: Awaited<ReturnType<typeof createGateway>>;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  try {
    app = await createGateway(config, partnerCenter);
    await app.listen(config.http.port, config.http.host);
    // Before the gateway says it listens: a metrics port that cannot be listened on stops the start.
    metricsServer =
      config.observability.metricsPort === undefined
        ? undefined
        : await startMetricsServer(app.get(Metrics), config.http.host, config.observability.metricsPort);
  } catch (error) {
    // A start that fails (a port taken) takes the embedded sandbox down with it: its folder in the temp dir too.
    await embedded?.sandbox.close().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const shownHost =
    config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  new Logger('Gateway').log(`Gateway listening on http://${shownHost}:${port}`);
  // Where Prometheus should scrape, the port the OS chose included (METRICS_PORT=0).
  const metricsAddress = metricsServer?.address();
  if (typeof metricsAddress === 'object' && metricsAddress)
    new Logger('Gateway').log(`Metrics on http://${shownHost}:${metricsAddress.port}/metrics`);
  // An operator can see that the setting took, and which portals it admits.
  if (config.cors.allowedOrigins.length > 0)
    new Logger('Gateway').log(`Browser portals allowed (CORS): ${config.cors.allowedOrigins.join(', ')}`);
  // The banner is for people: stderr, so that stdout stays one JSON log object per line.
  if (embedded)
    process.stderr.write(sandboxModeBanner(embedded.sandbox, `http://${shownHost}:${port}`) + '\n');

  const state = app.get(ShutdownState);
  const { drainDelayMs, timeoutMs } = config.shutdown;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    // A repeated signal (a process manager resending it, Ctrl-C twice) must not cut the drain short: with no listener
    // left, Node's default action would kill the process under its in-flight requests. SHUTDOWN_TIMEOUT_MS bounds it.
    if (state.draining) {
      process.stderr.write(`${signal} received again: already shutting down\n`);
      return;
    }
    // 1. Readiness fails and new requests get 503, while the load balancer notices and stops sending traffic.
    state.beginDrain();
    process.stderr.write(
      `${signal} received: draining for ${drainDelayMs} ms, then stopping (in-flight requests get ${timeoutMs} ms)\n`,
    );
    await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
    // 2. Stop accepting connections, let in-flight requests finish, close the pools (Nest's shutdown hooks).
    const forced = setTimeout(() => {
      process.stderr.write(`in-flight requests still running after ${timeoutMs} ms: exiting anyway\n`);
      process.exit(1);
    }, timeoutMs);
    forced.unref();
    try {
      // The HTTP server first, on its own: it stops accepting, closes idle connections, and resolves only when every
      // request already read has been answered (the drain gate answers the ones that still arrive). app.close() must
      // not be what stops it: Nest runs the modules' destroy hooks before closing the server, and the GraphQL module's
      // (Apollo's Fastify drain plugin) cuts every connection still open after a fixed 10 s — an in-flight PATCH then
      // never got its answer. Only once nothing is in flight do Apollo, the Partner Center pools and the exporters stop.
      await app.getHttpAdapter().getInstance().close();
      await app.close();
      await new Promise<void>((resolve) =>
        metricsServer ? metricsServer.close(() => resolve()) : resolve(),
      );
      await embedded?.sandbox.close();
    } catch (error) {
      process.stderr.write(`shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void shutdown(s));
  process.on('SIGINT', (s) => void shutdown(s));
}

// Node prints an uncaught exception (an unhandled rejection is one) itself, with the error's own fields, past
// process.stderr and so past its scrubber: said here instead, through it, and the process ends as Node would end it.
process.on('uncaughtException', (error: unknown, origin: string) => {
  process.stderr.write(
    `Gateway crashed (${origin}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});

main().catch((error: unknown) => {
  // A configuration error is the operator's to fix: say which variable, without a stack trace.
  if (error instanceof ConfigError) {
    process.stderr.write(`Configuration error: ${error.message}\n`);
  } else if (error instanceof MetricsListenError) {
    process.stderr.write(`Gateway failed to start: ${error.message}\n`);
  } else if (LISTEN_ERRORS.has((error as { code?: string } | undefined)?.code ?? '')) {
    // The address or port cannot be listened on (taken, not local, not allowed): the operator's to fix, no stack.
    const { code, message } = error as { code: string; message: string };
    process.stderr.write(`Gateway failed to start: cannot listen on HOST:PORT (${code}): ${message}\n`);
  } else {
    process.stderr.write(
      `Gateway failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
