import { createGateway } from './bootstrap';
import { ConfigError } from './config/env';
import { GatewayConfig, loadGatewayConfig } from './gateway-config';
import type { PartnerCenterOptions } from './partner-center/partner-center.options';
import { sandboxModeBanner, startEmbeddedSandbox, withSandboxIssuer } from './sandbox-mode/embedded-sandbox';

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

  const app = await createGateway(config, partnerCenter);
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const shownHost =
    config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  if (embedded)
    process.stdout.write(sandboxModeBanner(embedded.sandbox, `http://${shownHost}:${port}`) + '\n');

  let closing = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (closing) return;
    closing = true;
    process.stdout.write(`${signal} received, draining and stopping\n`);
    await app.close();
    await embedded?.sandbox.close();
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void shutdown(s));
  process.once('SIGINT', (s) => void shutdown(s));
}

main().catch((error: unknown) => {
  // A configuration error is the operator's to fix: say which variable, without a stack trace.
  if (error instanceof ConfigError) {
    process.stderr.write(`Configuration error: ${error.message}\n`);
  } else {
    process.stderr.write(
      `Gateway failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
