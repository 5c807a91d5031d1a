import axios, { AxiosInstance } from 'axios';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createGateway } from '../../../src/bootstrap';
import { GatewayConfig, loadGatewayConfig } from '../../../src/gateway-config';
import { sandboxConnection, withSandboxIssuer } from '../../../src/sandbox-mode/embedded-sandbox';
import { PartnerCenterOptions, RetryOptions } from '../../../src/partner-center/partner-center.options';
import { RunningSandbox, SandboxOptions, startSandbox } from 'partner-center-sandbox';
import { findSecret } from './secret-forms';

/** Retries fast enough for tests, with the same shape as production's. */
export const FAST_RETRY: RetryOptions = {
  maxAttempts: 4,
  attemptTimeoutMs: 2_000,
  deadlineMs: 10_000,
  baseDelayMs: 10,
  maxDelayMs: 50,
  maxRetryAfterSeconds: 5,
};

export interface TestGateway {
  url: string;
  app: NestFastifyApplication;
  sandbox: RunningSandbox;
  /** Plain HTTP client for the gateway: never throws on a status. */
  http: AxiosInstance;
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphqlAnswer>;
  /** Every log line this gateway wrote, parsed. */
  logs(): Array<Record<string, any>>;
  /** Every log line as written (JSON.parse hides duplicate keys). */
  rawLogs(): string[];
  /** Stops the gateway (and a sandbox it started), then fails if any log line holds a secret or a token. */
  close(): Promise<void>;
}

export interface GraphqlAnswer {
  status: number;
  headers: Record<string, string>;
  data?: Record<string, any>;
  errors?: Array<{ message: string; path?: string[]; extensions: Record<string, any> }>;
}

export interface StartOptions {
  sandbox?: RunningSandbox;
  sandboxOptions?: SandboxOptions;
  env?: Record<string, string>;
  retry?: Partial<RetryOptions>;
  partnerCenter?: Partial<PartnerCenterOptions>;
  /** Further secrets the test used, that must not appear in any log line. */
  secrets?: string[];
  /** CAs of test token issuers (e.g. a hostile issuer), trusted for discovery and JWKS beside the sandbox's. */
  issuerCaCertificates?: string[];
}

/**
 * The gateway as production runs it (createGateway, the same as main.ts), on 127.0.0.1, against a Partner Center
 * sandbox over real HTTPS with real MSAL. A sandbox passed in is left running; one started here is stopped by close().
 */
export async function startGateway(options: StartOptions = {}): Promise<TestGateway> {
  const ownSandbox = options.sandbox
    ? undefined
    : await startSandbox({ quiet: true, ...options.sandboxOptions });
  const sandbox = options.sandbox ?? ownSandbox!;
  // Debug level, captured: every e2e run doubles as a check that no secret reaches a log line.
  const loaded = loadGatewayConfig({ LOG_LEVEL: 'debug', PARTNER_CENTER: 'sandbox', ...options.env });
  if (loaded.upstream.target !== 'sandbox') throw new Error('startGateway runs the gateway on the sandbox');
  // Sandbox mode (anonymous callers) unless options.env sets AUTH_*; a test issuer may be the sandbox, so trust its CA.
  const auth = withSandboxIssuer(loaded.auth, sandbox);
  const config: GatewayConfig = {
    ...loaded,
    auth:
      auth.mode === 'jwt'
        ? {
            ...auth,
            tokens: {
              ...auth.tokens,
              extraCaCertificates: [sandbox.caCertPem, ...(options.issuerCaCertificates ?? [])],
            },
          }
        : auth,
  };
  const partnerCenter: PartnerCenterOptions = {
    ...sandboxConnection(sandbox, loaded.upstream.connection),
    retry: { ...FAST_RETRY, ...options.retry },
    ...options.partnerCenter,
  };
  const lines: string[] = [];
  const app = await createGateway(config, partnerCenter, {
    logDestination: { write: (line: string) => void lines.push(line) },
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const http = axios.create({ baseURL: url, validateStatus: () => true, timeout: 20_000 });
  return {
    url,
    app,
    sandbox,
    http,
    async graphql(query, variables, headers) {
      const response = await http.post(
        '/graphql',
        { query, variables },
        { headers: { 'content-type': 'application/json', ...headers } },
      );
      return {
        status: response.status,
        headers: response.headers as Record<string, string>,
        ...response.data,
      };
    },
    rawLogs: () => lines.flatMap((line) => line.split('\n').filter(Boolean)),
    logs: () =>
      lines.flatMap((line) =>
        line
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, any>),
      ),
    async close() {
      await app.close();
      await ownSandbox?.close();
      const secrets = [
        sandbox.defaultClient.clientSecret,
        ...(partnerCenter.credential.kind === 'secret' ? [partnerCenter.credential.clientSecret] : []),
        ...(options.secrets ?? []),
      ];
      assertNoSecrets(lines.join(''), secrets);
    },
  };
}

const TOKEN_SHAPES: Array<[string, RegExp]> = [
  ['a JWT', /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/],
  ['a bearer token', /Bearer\s+(?!\[REDACTED)[A-Za-z0-9._~+/-]{16,}/i],
  ['a private key', /PRIVATE KEY-----/],
  ['a client secret parameter', /client_secret=(?!\[REDACTED)/],
];

/**
 * Fails loudly, naming what leaked (never the secret itself), when captured output holds a secret — as it is, encoded
 * (URL, JSON, base64) or its first characters — or anything shaped like a token.
 */
export function assertNoSecrets(text: string, secrets: string[], where = 'the gateway logs'): void {
  const leaked = findSecret(
    text,
    Object.fromEntries(secrets.map((secret, i) => [`secret #${i + 1}`, secret])),
  );
  if (leaked) throw new Error(`a configured secret appears in ${where}: ${leaked}`);
  for (const [what, shape] of TOKEN_SHAPES) {
    if (shape.test(text)) throw new Error(`${what} appears in ${where}`);
  }
}
