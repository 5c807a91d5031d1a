import axios from 'axios';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClientCertificate, type RunningSandbox } from 'partner-center-sandbox';
import type { HostileIssuer, TokenAnswer } from '../support/hostile-issuer';
import type { HostilePartnerCenter } from '../support/hostile-partner-center';
import { startGateway, TestGateway } from './support/gateway';
import { sandboxBehindHostileEntraId } from './support/hostile-entra-id';
import { gatewayBeforeIndependentPartnerCenter } from './support/independent-partner-center';
import { findSecret } from './support/secret-forms';

const CUSTOMER = 'a1b2c3d4-0000-4000-8000-0000000000e1';
const BUDGET = `/v1/customers/${CUSTOMER}/usagebudget`;

/**
 * Upstreams that quote back what they were sent, in every shape a proxy or an error page gives it: the gateway's
 * Partner Center token never reaches a caller's answer or a log line, whole, encoded or cut short.
 */
describe('a Partner Center that echoes the bearer token it was sent', () => {
  const fixture = gatewayBeforeIndependentPartnerCenter(CUSTOMER, { retry: { maxAttempts: 1 } });
  let partnerCenter: HostilePartnerCenter;
  let gateway: TestGateway;
  beforeAll(() => ({ partnerCenter, gateway } = fixture));

  const leakedToken = (text: string) =>
    findSecret(
      text,
      Object.fromEntries(partnerCenter.tokens().map((token, i) => [`token #${i + 1}`, token])),
    );

  const echoes: Array<
    [
      string,
      (authorization: string) => {
        status: number;
        type: string;
        body: string;
        headers?: Record<string, string>;
      },
    ]
  > = [
    [
      'base64 in a JSON description',
      (authorization) => ({
        status: 400,
        type: 'application/json',
        body: JSON.stringify({
          code: 400,
          description: `Bad header: ${Buffer.from(authorization).toString('base64')}`,
        }),
      }),
    ],
    [
      'base64url in a JSON description',
      (authorization) => ({
        status: 403,
        type: 'application/json',
        body: JSON.stringify({
          code: 2032,
          description: `Access denied for ${Buffer.from(`authorization: ${authorization}`).toString('base64url')}`,
        }),
      }),
    ],
    [
      'URL-encoded in a plain-text body',
      (authorization) => ({
        status: 400,
        type: 'text/plain',
        body: `rejected request header=${encodeURIComponent(authorization)}`,
      }),
    ],
    [
      'in a 200 that is no budget',
      (authorization) => ({
        status: 200,
        type: 'application/json',
        body: JSON.stringify({ code: 0, description: `echo ${authorization}`, message: authorization }),
      }),
    ],
    [
      'in a redirect, its Location and its page',
      (authorization) => ({
        status: 302,
        type: 'text/html',
        headers: { location: `https://login.example/?h=${encodeURIComponent(authorization)}` },
        body: `<html>Moved: ${authorization}</html>`,
      }),
    ],
    [
      'in headers and a huge text body that is cut short',
      (authorization) => ({
        status: 500,
        type: 'text/plain',
        headers: { 'x-echo': authorization },
        body: `${'x'.repeat(490)} ${authorization} ${'y'.repeat(5_000)}`,
      }),
    ],
  ];

  it.each(echoes)('never passes the token on when an error quotes it %s', async (_name, echo) => {
    partnerCenter.answer = (request, response) => {
      const answer = echo(String(request.headers.authorization));
      response.writeHead(answer.status, { 'Content-Type': answer.type, ...answer.headers });
      response.end(answer.body);
    };
    const rest = await gateway.http.get(BUDGET);
    expect(rest.status).toBeGreaterThanOrEqual(400);
    expect(leakedToken(JSON.stringify(rest.data) + JSON.stringify(rest.headers))).toBeUndefined();
    const graphql = await gateway.graphql(`{ customerUsageBudget(customerId: "${CUSTOMER}") { amount } }`);
    expect(graphql.errors).toBeDefined();
    expect(leakedToken(JSON.stringify(graphql))).toBeUndefined();
    expect(leakedToken(gateway.rawLogs().join('\n'))).toBeUndefined();
  });
});

/**
 * Entra ID's token endpoint (fronted by a local server that rewrites the sandbox's answers) quoting the form it was
 * sent, against the built gateway: neither the client secret nor the caller's token (the on-behalf-of assertion)
 * reaches an answer, stdout or stderr, in any shape.
 */
describe('an Entra ID that echoes the token request it was sent', () => {
  const fixture = sandboxBehindHostileEntraId({
    folderPrefix: 'secret-echoes-',
    env: { LOG_LEVEL: 'trace', PARTNER_CENTER_MAX_ATTEMPTS: '1' },
  });
  let sandbox: RunningSandbox;
  let entraId: HostileIssuer;
  let stateDir: string;
  beforeAll(() => ({ sandbox, entraId, stateDir } = fixture));

  const { start } = fixture;
  const read = async (headers: Record<string, string> = {}) => {
    const response = await axios.get(`${fixture.gateway!.url}${BUDGET}`, {
      headers,
      validateStatus: () => true,
    });
    const graphql = await axios.post(
      `${fixture.gateway!.url}/graphql`,
      { query: `{ customerUsageBudget(customerId: "${CUSTOMER}") { amount } }` },
      { headers, validateStatus: () => true },
    );
    // /readyz is public, and says why no token could be had (Entra ID's code).
    const ready = await axios.get(`${fixture.gateway!.url}/readyz`, { validateStatus: () => true });
    return {
      status: response.status,
      text: JSON.stringify([response.data, response.headers, graphql.data, graphql.headers, ready.data]),
    };
  };
  /** Everything the gateway said: both answers, and (once it stopped) stdout and stderr. */
  const leaked = async (answer: string, secrets: Record<string, string>) => {
    const gateway = fixture.gateway!;
    await gateway.stop();
    return findSecret([answer, gateway.stdout(), gateway.stderr()].join('\n'), secrets);
  };
  const refusal = (description: string, extra: Record<string, unknown> = {}) => ({
    status: 400,
    body: JSON.stringify({ error: 'invalid_request', error_description: description, ...extra }),
  });

  const formEchoes: Array<[string, TokenAnswer]> = [
    [
      'JSON in the description',
      (_real, sent) => refusal(`AADSTS900144: got ${JSON.stringify(Object.fromEntries(sent))}`),
    ],
    [
      'URL-encoded again',
      (_real, sent) => refusal(`AADSTS900144: body=${encodeURIComponent(sent.toString())}`),
    ],
    [
      'base64 in the description',
      (_real, sent) => refusal(`AADSTS900144: ${Buffer.from(sent.toString()).toString('base64')}`),
    ],
    [
      'as the error code',
      (_real, sent) => refusal('AADSTS900144', { error: `invalid_client:${sent.get('client_secret')}` }),
    ],
    [
      'in error_uri and a header',
      (_real, sent) => ({
        ...refusal('AADSTS900144: see error_uri', {
          error_uri: `https://login.example/error?${sent.toString()}`,
        }),
        headers: { 'x-echo': String(sent.get('client_secret')) },
      }),
    ],
    [
      'in an error beside an access_token field (MSAL reads the error)',
      (_real, sent) =>
        refusal(`AADSTS7000215: Invalid client secret provided: '${sent.get('client_secret')}'.`, {
          error: 'invalid_client',
          access_token: '',
        }),
    ],
    [
      'in a redirect Location',
      (_real, sent) => ({
        status: 302,
        headers: { location: `https://login.example/retry?${sent.toString()}` },
        body: '',
      }),
    ],
  ];

  it.each(formEchoes)('never repeats the client secret quoted %s', async (_name, answer) => {
    await start(answer);
    const { status, text } = await read();
    expect(status).toBeGreaterThanOrEqual(500);
    expect(await leaked(text, { 'client secret': sandbox.defaultClient.clientSecret })).toBeUndefined();
  });

  it('never repeats the client assertion signed with the certificate, quoted base64 or cut short', async () => {
    const certificate = await createClientCertificate();
    const clientId = randomUUID();
    sandbox.registerClient({ clientId, certificatePem: certificate.certificatePem });
    const certificatePath = join(stateDir, 'app.pem');
    writeFileSync(certificatePath, `${certificate.privateKeyPem}\n${certificate.certificatePem}\n`);
    const assertions: string[] = [];
    entraId.tokenAnswer = (_real, sent) => {
      const assertion = sent.get('client_assertion') ?? '';
      assertions.push(assertion);
      return refusal(
        `AADSTS700027: Client assertion failed signature validation: ${assertion.slice(0, 150)} ` +
          Buffer.from(assertion).toString('base64'),
        { error: 'invalid_client' },
      );
    };
    await start(undefined, {
      AZURE_CLIENT_SECRET: '', // empty is unset
      AZURE_CLIENT_ID: clientId,
      AZURE_CLIENT_CERTIFICATE_PATH: certificatePath,
    });
    const { status, text } = await read();
    expect(status).toBe(502);
    expect(assertions.length).toBeGreaterThan(0);
    const secrets = Object.fromEntries(
      assertions.map((assertion, i) => [`client assertion #${i + 1}`, assertion]),
    );
    const privateKeyLines = certificate.privateKeyPem.split('\n').filter((line) => line.length > 40);
    expect(await leaked(text, { ...secrets, 'private key line': privateKeyLines[1] })).toBeUndefined();
  });

  const assertionEchoes: Array<[string, (assertion: string) => string]> = [
    [
      'base64',
      (assertion) => `AADSTS50013: Assertion failed validation: ${Buffer.from(assertion).toString('base64')}`,
    ],
    [
      'cut short',
      (assertion) => `AADSTS50013: Assertion failed validation. Assertion: ${assertion.slice(0, 120)}`,
    ],
    [
      'URL-encoded in a form',
      (assertion) => `AADSTS50013: bad grant ${new URLSearchParams({ jwt: assertion }).toString()}`,
    ],
  ];

  it.each(assertionEchoes)(
    "never repeats the caller's token (the on-behalf-of assertion) quoted %s",
    async (_name, quote) => {
      const token = await sandbox.issueCallerToken({
        scp: 'UsageBudget.ReadWrite',
        oid: randomUUID(),
        amr: ['pwd', 'mfa'],
      });
      await start(
        (real, sent) =>
          sent.get('assertion')
            ? refusal(quote(sent.get('assertion')!), { error: 'invalid_grant' })
            : { status: real.status, body: JSON.stringify(real.body) },
        {
          PARTNER_CENTER_AUTH_MODE: 'app+user',
          AUTH_DISABLED: 'false',
          AUTH_ISSUER: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
          AUTH_AUDIENCE: sandbox.callerAudience,
        },
      );
      const { status, text } = await read({ authorization: `Bearer ${token}` });
      expect(status).toBeGreaterThanOrEqual(400);
      expect(
        await leaked(text, { "caller's token": token, 'client secret': sandbox.defaultClient.clientSecret }),
      ).toBeUndefined();
    },
  );
});

/**
 * A caller's token sent where no token belongs (the query string RFC 6750 §2.3 allows, a path a client built from the
 * wrong variable, a body's key): the refusal may say what was wrong, never repeat the token, nor may the logs.
 */
describe('a caller token sent where no token belongs', () => {
  let gateway: TestGateway;
  let token: string;

  beforeAll(async () => {
    gateway = await startGateway();
    token = await gateway.sandbox.issueCallerToken({ roles: ['UsageBudget.ReadWrite'] });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const leakedToken = (text: string) => findSecret(text, { "caller's token": token });

  it.each([
    ['in the query string of an unknown route', () => gateway.http.get(`/nope?access_token=${token}`)],
    ['as an unknown route', () => gateway.http.get(`/${token}`)],
    ['as the customer id', () => gateway.http.get(`/v1/customers/${token}/usagebudget`)],
    ['as a body key', () => gateway.http.patch(`/v1/customers/${CUSTOMER}/usagebudget`, { [token]: 1 })],
    [
      'as a GraphQL variable of another type',
      () =>
        gateway.http.post('/graphql', {
          query: 'mutation($in: UpdateUsageBudgetInput!) { updateUsageBudget(input: $in) { amount } }',
          variables: { in: { customerId: CUSTOMER, amount: token } },
        }),
    ],
    [
      'as a literal in the GraphQL query',
      () =>
        gateway.http.post('/graphql', {
          query: `mutation { updateUsageBudget(input: {customerId: "${CUSTOMER}", amount: "${token}"}) { amount } }`,
        }),
    ],
    [
      'as the GraphQL operation name',
      () => gateway.http.post('/graphql', { query: 'query A { __typename }', operationName: token }),
    ],
  ])('is not repeated when it is sent %s', async (_where, send) => {
    const before = gateway.rawLogs().length;
    const answer = await send();
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(leakedToken(JSON.stringify([answer.data, answer.headers]))).toBeUndefined();
    expect(leakedToken(gateway.rawLogs().slice(before).join('\n'))).toBeUndefined();
  });

  it('is in no metric label, nor in /readyz, after all of these', async () => {
    const [metrics, ready] = await Promise.all([gateway.http.get('/metrics'), gateway.http.get('/readyz')]);
    expect(metrics.status).toBe(200);
    expect(leakedToken(String(metrics.data) + JSON.stringify(ready.data))).toBeUndefined();
  });
});
