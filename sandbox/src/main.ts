import { readFileSync } from 'node:fs';
import { formatSandboxBanner } from './banner';
import { SANDBOX_CLIENT_ID } from './defaults';
import { startSandbox } from './start';
import type { SandboxOptions } from './types';

/** `npm run sandbox`: the sandbox alone, configured from SANDBOX_* variables (README.md). */
async function main(): Promise<void> {
  const startedAt = process.hrtime.bigint();
  const sandbox = await startSandbox(optionsFromEnv(process.env));
  const startMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  console.log(`${formatSandboxBanner(sandbox)}\n  Started in ${startMs.toFixed(0)} ms. Ctrl-C to stop.`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export function optionsFromEnv(env: NodeJS.ProcessEnv): SandboxOptions {
  const port = env.SANDBOX_PORT ? Number(env.SANDBOX_PORT) : 8443;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`SANDBOX_PORT must be a port number, got '${env.SANDBOX_PORT}'`);
  const certificatePath = env.SANDBOX_CLIENT_CERTIFICATE_PATH;
  return {
    host: env.SANDBOX_HOST || undefined,
    port,
    publicHost: env.SANDBOX_PUBLIC_HOST || undefined,
    stateDir: env.SANDBOX_STATE_DIR || undefined,
    clients: [
      {
        clientId: env.SANDBOX_CLIENT_ID || SANDBOX_CLIENT_ID,
        clientSecret: env.SANDBOX_CLIENT_SECRET || undefined,
        certificatePem: certificatePath ? readFileSync(certificatePath, 'utf8') : undefined,
      },
    ],
  };
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
