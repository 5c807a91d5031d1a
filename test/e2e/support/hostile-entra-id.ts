import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from 'partner-center-sandbox';
import { startHostileIssuer, type HostileIssuer, type TokenAnswer } from '../../support/hostile-issuer';
import { startGatewayProcess, type GatewayProcess } from '../observability/support/gateway-process';

export interface HostileEntraIdOptions {
  /** Names the fixture's folder under the system's temporary folder: the CA file, and what tests write there. */
  folderPrefix: string;
  /** The environment of every gateway started here; what a test passes to start() goes over it. */
  env?: Record<string, string>;
  /** A check of what a gateway wrote, run once it stopped: a secret it writes while shutting down is caught too. */
  afterStop?: (gateway: GatewayProcess, sandbox: RunningSandbox) => void;
}

/**
 * For one describe block: the sandbox behind a hostile Entra ID (a local server in front of its token endpoint that
 * rewrites its answers, test/support/hostile-issuer.ts), trusted through one CA file, and the built gateway as a
 * process against them as if they were Partner Center and Entra ID. The sandbox and Entra ID run from before the
 * first test to after the last. A gateway started in a test is stopped after it, one started before the tests after
 * them; either way it is stopped, then checked (`afterStop`), then let go. After each test the token endpoint answers
 * as the sandbox does again.
 */
export function sandboxBehindHostileEntraId(options: HostileEntraIdOptions) {
  let sandbox: RunningSandbox | undefined;
  let entraId: HostileIssuer | undefined;
  let stateDir: string | undefined;
  let caFile = '';
  let inTest = false;
  let forTest: GatewayProcess | undefined;
  let forAll: GatewayProcess | undefined;

  const stop = async (gateway: GatewayProcess | undefined) => {
    if (!gateway) return;
    await gateway.stop();
    options.afterStop?.(gateway, sandbox!);
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    entraId = await startHostileIssuer({
      url: sandbox.url,
      tenantId: sandbox.tenantId,
      caCertPem: sandbox.caCertPem,
    });
    stateDir = mkdtempSync(join(tmpdir(), options.folderPrefix));
    caFile = join(stateDir, 'ca.pem');
    writeFileSync(caFile, `${sandbox.caCertPem}\n${entraId.certPem}\n`);
  });
  beforeEach(() => {
    inTest = true;
  });
  // A failed check still lets the gateway go and closes the servers: the run must not hang on them.
  afterEach(async () => {
    inTest = false;
    try {
      await stop(forTest);
    } finally {
      forTest = undefined;
      if (entraId) entraId.tokenAnswer = undefined;
    }
  });
  afterAll(async () => {
    try {
      await stop(forAll);
    } finally {
      forAll = undefined;
      await Promise.all([sandbox?.close(), entraId?.close()]);
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    }
  });

  return {
    get sandbox(): RunningSandbox {
      return sandbox!;
    },
    get entraId(): HostileIssuer {
      return entraId!;
    },
    /** The fixture's folder (removed after the last test), for files a test writes: a certificate. */
    get stateDir(): string {
      return stateDir!;
    },
    /** The gateway of the running test, else the one started before the tests; until it is stopped. */
    get gateway(): GatewayProcess | undefined {
      return forTest ?? forAll;
    },
    /**
     * Starts the gateway against the sandbox as Partner Center, asking the hostile Entra ID for its tokens; its token
     * endpoint answers with `tokenAnswer` when one is given (undefined: as it answers now).
     */
    start: async (tokenAnswer: TokenAnswer | undefined, env: Record<string, string> = {}) => {
      if (tokenAnswer) entraId!.tokenAnswer = tokenAnswer;
      const gateway = await startGatewayProcess(sandbox!, {
        AZURE_AUTHORITY_HOST: entraId!.authorityHost,
        NODE_EXTRA_CA_CERTS: caFile,
        ...options.env,
        ...env,
      });
      if (inTest) forTest = gateway;
      else forAll = gateway;
      return gateway;
    },
  };
}
