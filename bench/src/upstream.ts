import { join } from 'node:path';
import {
  startSandbox,
  type RunningSandbox,
  type SandboxStats,
  type ThrottleConfig,
  type FaultSpec,
} from 'partner-center-sandbox';
import { callJson } from './https-json';
import { readyMessage, startChild, type Child } from './processes';

/** What the bench needs to know about the sandbox, whether it runs in a child or in-process. */
export interface UpstreamInfo {
  url: string;
  tenantId: string;
  caCertPath: string;
  caCertPem: string;
  clientId: string;
  clientSecret: string;
  /** A caller token for the gateway (AUTH_ISSUER/AUTH_AUDIENCE), with read permission. */
  callerToken: string;
}

/** The sandbox as the bench drives it: through its admin API over HTTPS, as any client would. */
export interface Upstream extends UpstreamInfo {
  /** The sandbox's process id, when it runs in a child. */
  pid?: number;
  stats(): Promise<SandboxStats>;
  setThrottle(config: ThrottleConfig | undefined): Promise<void>;
  addFault(spec: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  /** A Partner Center token for the default app (one token request). */
  appToken(): Promise<string>;
  stop(): Promise<void>;
}

const CALLER_TOKEN_SECONDS = 6 * 3600;

export async function describeUpstream(sandbox: RunningSandbox): Promise<UpstreamInfo> {
  return {
    url: sandbox.url,
    tenantId: sandbox.tenantId,
    caCertPath: sandbox.caCertPath,
    caCertPem: sandbox.caCertPem,
    clientId: sandbox.defaultClient.clientId,
    clientSecret: sandbox.defaultClient.clientSecret,
    callerToken: await sandbox.issueCallerToken({
      roles: ['UsageBudget.Read'],
      expiresInSeconds: CALLER_TOKEN_SECONDS,
    }),
  };
}

export async function startUpstream(options: {
  inProcess: boolean;
  extraCustomers: number;
  logDir: string;
}): Promise<Upstream> {
  if (options.inProcess) {
    const sandbox = await startSandbox({
      quiet: true,
      extraCustomers: options.extraCustomers,
      requestLogLimit: 1000,
    });
    return drive(await describeUpstream(sandbox), () => sandbox.close());
  }
  const child: Child = startChild('sandbox', process.execPath, [join(__dirname, 'sandbox-process.js')], {
    env: { ...process.env, BENCH_EXTRA_CUSTOMERS: String(options.extraCustomers) },
    logDir: options.logDir,
    ipc: true,
    // Its CA lives there: a sandbox killed after the grace leaves it for the bench to remove.
    tempDirIn: 'SANDBOX_STATE_DIR',
  });
  const info = await readyMessage<UpstreamInfo>(child, 30_000);
  return { ...drive(info, () => child.stop()), pid: child.pid };
}

function drive(info: UpstreamInfo, stop: () => Promise<void>): Upstream {
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await callJson(`${info.url}/_sandbox/${path}`, { method, body, ca: info.caCertPem });
    if (response.status >= 300)
      throw new Error(
        `sandbox ${method} /_sandbox/${path}: ${response.status} ${JSON.stringify(response.body)}`,
      );
    return response.body;
  };
  return {
    ...info,
    stats: async () => (await admin('GET', 'stats')) as SandboxStats,
    setThrottle: async (config) =>
      void (config ? await admin('PUT', 'throttle', config) : await admin('DELETE', 'throttle')),
    addFault: async (spec) => void (await admin('POST', 'faults', spec)),
    clearFaults: async () => void (await admin('DELETE', 'faults')),
    appToken: async () => {
      const response = await callJson(`${info.url}/${info.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        ca: info.caCertPem,
        form: {
          grant_type: 'client_credentials',
          client_id: info.clientId,
          client_secret: info.clientSecret,
          scope: 'https://api.partnercenter.microsoft.com/.default',
        },
      });
      const token = (response.body as { access_token?: string } | undefined)?.access_token;
      if (response.status !== 200 || !token)
        throw new Error(`sandbox token request failed with ${response.status}`);
      return token;
    },
    stop,
  };
}
