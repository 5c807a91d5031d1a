import { HostilePartnerCenter, startHostilePartnerCenter } from '../support/hostile-partner-center';
import { startGateway, TestGateway } from './support/gateway';
import { findSecret } from './support/secret-forms';

const CUSTOMER = 'a1b2c3d4-0000-4000-8000-0000000000e1';
const BUDGET = `/v1/customers/${CUSTOMER}/usagebudget`;

/**
 * Upstreams that quote back what they were sent, in every shape a proxy or an error page gives it: the gateway's
 * Partner Center token never reaches a caller's answer or a log line, whole, encoded or cut short.
 */
describe('a Partner Center that echoes the bearer token it was sent', () => {
  let partnerCenter: HostilePartnerCenter;
  let gateway: TestGateway;

  beforeAll(async () => {
    partnerCenter = await startHostilePartnerCenter();
    gateway = await startGateway({
      partnerCenter: partnerCenter.connection(),
      secrets: [partnerCenter.clientSecret],
      retry: { maxAttempts: 1 },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await partnerCenter?.close();
  });
  beforeEach(() => {
    partnerCenter.reset();
    partnerCenter.amounts.set(CUSTOMER, 100);
  });

  const leakedToken = (text: string) =>
    findSecret(
      text,
      Object.fromEntries(partnerCenter.tokens().map((token, i) => [`token #${i + 1}`, token])),
    );

  const echoes: Array<[string, (authorization: string) => { status: number; type: string; body: string }]> = [
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
  ];

  it.each(echoes)('never passes the token on when an error quotes it %s', async (_name, echo) => {
    partnerCenter.answer = (request, response) => {
      const answer = echo(String(request.headers.authorization));
      response.writeHead(answer.status, { 'Content-Type': answer.type });
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
