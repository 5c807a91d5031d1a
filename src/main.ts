import { createGateway } from './bootstrap';
import { ConfigError } from './config/env';
import { loadGatewayConfig } from './config/gateway-config';
import { sandboxModeBanner, startEmbeddedSandbox, withSandboxIssuer } from './embedded-sandbox';

/** Production entry (`node dist/main.js`): configuration from the environment, sandbox mode without credentials. */
async function main(): Promise<void> {
  const loaded = loadGatewayConfig(process.env);
  const embedded = loaded.partnerCenter ? undefined : await startEmbeddedSandbox(process.env);
  const config = embedded ? { ...loaded, auth: withSandboxIssuer(loaded.auth, embedded.sandbox) } : loaded;
  const partnerCenter = config.partnerCenter ?? embedded!.partnerCenter;

  const app = await createGateway(config, partnerCenter);
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const shownHost = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  if (embedded) process.stdout.write(sandboxModeBanner(embedded.sandbox, `http://${shownHost}:${port}`) + '\n');

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
    process.stderr.write(`Gateway failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
