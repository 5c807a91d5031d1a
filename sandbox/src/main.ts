import { readFileSync } from 'node:fs';
import { formatSandboxBanner } from './banner';
import { SANDBOX_CLIENT_ID } from './defaults';
import { startSandbox } from './start';
import type { SandboxOptions, ThrottleConfig } from './types';

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
  const extraCustomers = positiveInteger(env, 'SANDBOX_EXTRA_CUSTOMERS', true);
  const requestLogLimit = positiveInteger(env, 'SANDBOX_REQUEST_LOG_LIMIT');
  const throttle = throttleFromEnv(env);
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
    ...(extraCustomers !== undefined && { extraCustomers }),
    ...(requestLogLimit !== undefined && { requestLogLimit }),
    ...(throttle && { throttle }),
  };
}

/** SANDBOX_THROTTLE_WINDOW_MS with SANDBOX_THROTTLE_PER_PARTNER and/or SANDBOX_THROTTLE_PER_CUSTOMER. */
function throttleFromEnv(env: NodeJS.ProcessEnv): ThrottleConfig | undefined {
  const windowMs = positiveInteger(env, 'SANDBOX_THROTTLE_WINDOW_MS');
  const perPartner = positiveInteger(env, 'SANDBOX_THROTTLE_PER_PARTNER');
  const perCustomer = positiveInteger(env, 'SANDBOX_THROTTLE_PER_CUSTOMER');
  if (windowMs === undefined && perPartner === undefined && perCustomer === undefined) return undefined;
  if (windowMs === undefined)
    throw new Error('SANDBOX_THROTTLE_WINDOW_MS is required with SANDBOX_THROTTLE_PER_PARTNER/PER_CUSTOMER');
  if (perPartner === undefined && perCustomer === undefined)
    throw new Error(
      'SANDBOX_THROTTLE_WINDOW_MS needs SANDBOX_THROTTLE_PER_PARTNER or SANDBOX_THROTTLE_PER_CUSTOMER',
    );
  return {
    windowMs,
    ...(perPartner !== undefined && { perPartner }),
    ...(perCustomer !== undefined && { perCustomer }),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, zeroAllowed = false): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < (zeroAllowed ? 0 : 1))
    throw new Error(`${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} integer, got '${raw}'`);
  return value;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
