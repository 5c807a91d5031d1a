import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_CALLER_AUDIENCE,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  SANDBOX_CLIENT_ID,
  SANDBOX_TENANT_ID,
} from './defaults';
import { createSigningKey } from './keys';
import { issueCallerToken } from './identity/tokens';
import { seedCustomers } from './partner-center/seed';
import { startServer } from './server';
import { SandboxServices } from './services';
import { createSandboxTls } from './tls';
import type { RunningSandbox, SandboxClient, SandboxOptions } from './types';

/** Starts a sandbox: a fresh CA and signing key, seeded customers, HTTPS on host:port. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'partner-center-sandbox-')));
  try {
    return await startIn(stateDir, options);
  } catch (error) {
    // A start that fails (a port taken) leaves no folder of its own behind, as close() would not either.
    if (options.stateDir === undefined) await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
}

async function startIn(stateDir: string, options: SandboxOptions): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const publicHost = options.publicHost ?? host;
  const tenantId = options.tenantId ?? SANDBOX_TENANT_ID;
  const { clients, secretGenerated } = withDefaultClient(options.clients);
  const [tls, key] = await Promise.all([createSandboxTls(publicHost, stateDir), createSigningKey()]);

  // The port is only known once listening, so the authority (URLs, issuer) is filled in right after.
  const authority = {
    url: '',
    tenantId,
    issuer: '',
    key,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
    callerAudience: options.callerAudience ?? DEFAULT_CALLER_AUDIENCE,
  };
  const customers = seedCustomers(options.extraCustomers ?? 0);
  const services = new SandboxServices(authority, { customers, requestLogLimit: options.requestLogLimit });
  clients.forEach((c) => services.registry.register(c));
  (options.faults ?? []).forEach((f) => services.faults.add(f));
  if (options.throttle) services.throttle.set(options.throttle);
  const quietLog = (line: string) => (options.quiet ? undefined : console.error(line));
  const server = await startServer(tls, { host, port: options.port ?? 0 }, services, quietLog);
  authority.url = `https://${hostForUrl(publicHost)}:${server.port}`;
  authority.issuer = `${authority.url}/${tenantId}/v2.0`;

  return {
    url: authority.url,
    authority: `${authority.url}/${tenantId}`,
    tenantId,
    defaultClient: { clientId: clients[0].clientId, clientSecret: clients[0].clientSecret ?? '' },
    defaultClientSecretGenerated: secretGenerated,
    caCertPem: tls.caCertPem,
    caCertPath: tls.caCertPath,
    callerAudience: authority.callerAudience,
    customers,
    faults: {
      add: (spec) => services.faults.add(spec),
      remove: (id) => services.faults.remove(id),
      clear: () => services.faults.clear(),
      list: () => services.faults.list(),
    },
    requestLog: { entries: (filter) => services.log.entries(filter), clear: () => services.log.clear() },
    throttle: {
      set: (config) => services.throttle.set(config),
      clear: () => services.throttle.set(undefined),
      get: () => services.throttle.get(),
    },
    stats: () => services.stats(),
    resetInFlightPeak: () => services.inFlight.resetPeak(),
    tokenRequests: () => services.ledger.tokenRequests(),
    patchesApplied: (customerId) => services.store.patchesApplied(customerId),
    revokeTokens: () => services.ledger.revokeAll(),
    registerClient: (client) => services.registry.register(client),
    issueCallerToken: async (claims) => (await issueCallerToken(authority, claims)).token,
    reset: () => services.reset(),
    close: async () => {
      await server.close();
      // A folder it made for itself (its CA and key) goes with it; one the caller named stays.
      if (options.stateDir === undefined) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** The first registered app is the default one; it gets a generated secret unless one is given. */
function withDefaultClient(given: SandboxClient[] | undefined): {
  clients: SandboxClient[];
  secretGenerated: boolean;
} {
  const [first, ...rest] = given?.length ? given : [{ clientId: SANDBOX_CLIENT_ID }];
  if (first.clientSecret) return { clients: [first, ...rest], secretGenerated: false };
  return {
    clients: [{ ...first, clientSecret: randomBytes(30).toString('base64url') }, ...rest],
    secretGenerated: true,
  };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
