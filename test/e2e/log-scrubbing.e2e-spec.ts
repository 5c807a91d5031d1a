import axios from 'axios';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from 'partner-center-sandbox';
import { startHostileIssuer, type HostileIssuer } from '../support/hostile-issuer';
import { waitUntil } from '../support/processes';
import { startQuotingRedis, type QuotingRedis } from '../support/quoting-redis';
import { jsonLines, startGatewayProcess, type GatewayProcess } from './observability/support/gateway-process';
import { findSecret } from './support/secret-forms';

/**
 * The last line of defence: every line the built gateway writes passes one scrubber after it was serialised, so a
 * secret the process holds is cut wherever a line carries it, however deep and whoever wrote it (Nest's logger on a
 * library's error, an upstream's description in a field of the line), while the line itself is still written.
 */
const CUSTOMER = 'a1b2c3d4-0000-4000-8000-0000000000e1';

describe('the log lines of the built gateway', () => {
  let sandbox: RunningSandbox;
  let redis: QuotingRedis;
  let entraId: HostileIssuer;
  let stateDir: string;
  let caFile: string;
  let gateway: GatewayProcess | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    redis = await startQuotingRedis();
    entraId = await startHostileIssuer({
      url: sandbox.url,
      tenantId: sandbox.tenantId,
      caCertPem: sandbox.caCertPem,
    });
    stateDir = mkdtempSync(join(tmpdir(), 'log-scrubbing-'));
    caFile = join(stateDir, 'ca.pem');
    writeFileSync(caFile, `${sandbox.caCertPem}\n${entraId.certPem}\n`);
  });
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });
  afterAll(async () => {
    await Promise.all([sandbox?.close(), redis?.close(), entraId?.close()]);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('never carry the password in REDIS_URL when Redis quotes it back in its refusal of AUTH', async () => {
    const password = randomBytes(18).toString('base64url');
    gateway = await startGatewayProcess(sandbox, {
      REDIS_URL: redis.url.replace('redis://', `redis://:${password}@`),
      LOG_LEVEL: 'debug',
    });
    // ioredis authenticates first; the refusal, quoting the password, is the reason the gateway logs for the outage.
    const outage = await waitUntil(
      () => jsonLines(gateway!.stdout()).find((line) => String(line.msg).startsWith('Redis is unreachable')),
      { describe: () => `no outage line; stdout:\n${gateway!.stdout().slice(-2000)}` },
    );
    expect(redis.commands()).toContain('AUTH');
    expect(outage.msg).toContain("ERR unknown command 'auth', with args beginning with: '[REDACTED]'");
    await gateway.stop();
    expect(findSecret(gateway.stdout() + gateway.stderr(), { 'Redis password': password })).toBeUndefined();
  });

  it("never carry the password in REDIS_URL when a library's own logger writes it (ioredis under DEBUG=)", async () => {
    const password = randomBytes(18).toString('base64url');
    // The `debug` module writes each command ioredis sends, AUTH's password among them, to stderr, past the logger.
    gateway = await startGatewayProcess(sandbox, {
      REDIS_URL: redis.url.replace('redis://', `redis://:${password}@`),
      DEBUG: 'ioredis:redis',
    });
    await waitUntil(() => (/ioredis:redis write command.*auth/.test(gateway!.stderr()) ? true : undefined), {
      describe: () => `no AUTH debug line; stderr:\n${gateway!.stderr().slice(-2000)}`,
    });
    await gateway.stop();
    expect(gateway.stderr()).toMatch(/ioredis:redis write command.*-> auth\(\[ '\[REDACTED\]' \]\)/);
    expect(findSecret(gateway.stdout() + gateway.stderr(), { 'Redis password': password })).toBeUndefined();
  });

  it('never carry the client secret that Entra ID quotes in the description of a failed token request', async () => {
    // An error answer that also has an access_token field (a proxy's, or a gateway in front of Entra ID): MSAL reads
    // the error, and its description becomes a field of the token failure's log line.
    entraId.tokenAnswer = (_real, sent) => ({
      status: 401,
      body: JSON.stringify({
        access_token: '',
        error: 'invalid_client',
        error_description: `AADSTS7000215: Invalid client secret provided: '${sent.get('client_secret')}'.`,
      }),
    });
    gateway = await startGatewayProcess(sandbox, {
      AZURE_AUTHORITY_HOST: entraId.authorityHost,
      NODE_EXTRA_CA_CERTS: caFile,
      LOG_LEVEL: 'debug',
      PARTNER_CENTER_MAX_ATTEMPTS: '1',
    });
    const answer = await axios.get(`${gateway.url}/v1/customers/${CUSTOMER}/usagebudget`, {
      validateStatus: () => true,
    });
    expect(answer.status).toBe(502);
    await gateway.stop();
    const failure = jsonLines(gateway.stdout()).find(
      (line) => line.msg === 'Partner Center token request failed',
    );
    expect(failure).toMatchObject({
      code: 'invalid_client',
      description: "AADSTS7000215: Invalid client secret provided: '[REDACTED]'.",
    });
    const secrets = { 'client secret': sandbox.defaultClient.clientSecret };
    expect(findSecret(gateway.stdout() + gateway.stderr(), secrets)).toBeUndefined();
  });
});
