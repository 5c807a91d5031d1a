/// <reference lib="dom" />
// The portal's script runs in the page, with the DOM and the browser's fetch.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { RunningSandbox, startSandbox } from 'partner-center-sandbox';
import { READ_WRITE } from '../../../src/auth/permissions';
import { BrowserSession, launchChromium } from '../../support/chromium';
import { TestGateway, startGateway } from '../support/gateway';
import { CONTOSO } from '../support/ids';

// A billing portal served from one origin calling the gateway on another, as Debian's Chromium enforces CORS.
jest.setTimeout(90_000);

/** What the portal's script saw of one call: the answer, or the browser's refusal to let it read one. */
interface Seen {
  status?: number;
  body?: any;
  correlationId?: string | null;
  idempotencyKey?: string | null;
  blocked?: string;
}

/**
 * The portal: a page and its script, which calls the gateway as a portal does — a bearer token, JSON, its own
 * correlation id — and reports what the browser let it read. Its CSP lets it connect to the gateway only.
 */
const PORTAL_SCRIPT = `
window.portal = {
  async call(url, init) {
    try {
      const response = await fetch(url, { mode: 'cors', credentials: 'omit', ...init });
      return {
        status: response.status,
        body: await response.json(),
        correlationId: response.headers.get('MS-CorrelationId'),
        idempotencyKey: response.headers.get('MS-RequestId'),
      };
    } catch (error) {
      return { blocked: String(error) };
    }
  },
};
`;

async function startPortal(): Promise<{ origin: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url === '/portal.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(PORTAL_SCRIPT);
      return;
    }
    response
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        // The gateway is on another port of the same host (its port is given to the script at call time).
        'content-security-policy': "default-src 'none'; script-src 'self'; connect-src http://127.0.0.1:*",
      })
      .end('<!doctype html><title>Billing portal</title><script src="/portal.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const stop = (server: Server | undefined) =>
  new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

let browser: BrowserSession;
let gateway: TestGateway;
let listed: { origin: string; server: Server };
let unlisted: { origin: string; server: Server };
let token: string;
let sandbox: RunningSandbox;

beforeAll(async () => {
  browser = await launchChromium({ interceptRequests: false });
  sandbox = await startSandbox({ quiet: true });
  listed = await startPortal();
  unlisted = await startPortal();
  gateway = await startGateway({
    sandbox,
    env: {
      CORS_ALLOWED_ORIGINS: listed.origin,
      AUTH_ISSUER: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
      AUTH_AUDIENCE: sandbox.callerAudience,
    },
  });
  token = await sandbox.issueCallerToken({ roles: [READ_WRITE] });
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await sandbox?.close();
  await stop(listed?.server);
  await stop(unlisted?.server);
});

async function openPortal(origin: string): Promise<Page> {
  const page = await browser.newPage();
  const response = await page.goto(`${origin}/`, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  await page.waitForFunction(() => 'portal' in window);
  return page;
}

/** The three calls a portal makes: a GraphQL query, a REST read and a REST change, as its script sends them. */
async function portalCalls(page: Page, amount: number): Promise<Record<'graphql' | 'read' | 'change', Seen>> {
  return page.evaluate(
    async ({ gatewayUrl, token, customerId, amount }) => {
      const portal = (
        window as unknown as { portal: { call(url: string, init: RequestInit): Promise<Seen> } }
      ).portal;
      const authorization = `Bearer ${token}`;
      const budget = `${gatewayUrl}/v1/customers/${customerId}/usagebudget`;
      return {
        graphql: await portal.call(`${gatewayUrl}/graphql`, {
          method: 'POST',
          headers: { Authorization: authorization, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            query: 'query($id: ID!) { customerUsageBudget(customerId: $id) { customerId amount } }',
            variables: { id: customerId },
          }),
        }),
        read: await portal.call(budget, {
          headers: {
            Authorization: authorization,
            'MS-CorrelationId': '6b3a8c4e-8f0e-4e4a-9a59-2f1f0e9d1c11',
          },
        }),
        change: await portal.call(budget, {
          method: 'PATCH',
          headers: {
            Authorization: authorization,
            'Content-Type': 'application/json',
            'MS-RequestId': '0e6f9a52-3c1d-4b7e-8f2a-9d4c6b1e7a35',
          },
          body: JSON.stringify({ amount }),
        }),
      };
    },
    { gatewayUrl: gateway.url, token, customerId: CONTOSO, amount },
  );
}

/** Preflights and requests the gateway itself answered (not the browser, not Playwright), from its request log. */
function gatewayAnswers(): Array<{ method: string; url: string; status: number; operation: string }> {
  return gateway
    .logs()
    .filter((line) => line.msg === 'request completed')
    .map((line) => ({
      method: line.req.method,
      url: line.req.url,
      status: line.status,
      operation: line.operation,
    }));
}

describe('a browser portal on another origin', () => {
  it('reads and changes a budget, over GraphQL and REST, and reads MS-CorrelationId, when its origin is listed', async () => {
    const page = await openPortal(listed.origin);
    const seen = await portalCalls(page, 432);

    expect(seen.graphql).toMatchObject({
      status: 200,
      body: { data: { customerUsageBudget: { customerId: CONTOSO, amount: 100 } } },
    });
    expect(seen.graphql.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.read).toMatchObject({
      status: 200,
      body: { amount: 100 },
      correlationId: '6b3a8c4e-8f0e-4e4a-9a59-2f1f0e9d1c11',
    });
    // The answers keep the gateway's Cross-Origin-Resource-Policy: same-origin, which binds no-cors loads only.
    const answer = await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { origin: listed.origin, authorization: `Bearer ${token}` },
    });
    expect(answer.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(seen.change).toMatchObject({
      status: 200,
      body: { amount: 432 },
      idempotencyKey: '0e6f9a52-3c1d-4b7e-8f2a-9d4c6b1e7a35',
    });
    // The gateway answered the browser's preflights itself: one per URL, since the budget path's grant (GET, HEAD,
    // PATCH and the headers it reads, for CORS_MAX_AGE_SECONDS) already covers the PATCH that follows the GET.
    const preflights = gatewayAnswers().filter((answer) => answer.method === 'OPTIONS');
    expect(preflights).toEqual([
      { method: 'OPTIONS', url: '/graphql', status: 204, operation: 'CORS preflight' },
      {
        method: 'OPTIONS',
        url: `/v1/customers/${CONTOSO}/usagebudget`,
        status: 204,
        operation: 'CORS preflight',
      },
    ]);
    expect(browser.problems.splice(0)).toEqual([]);
    await page.close();
  });

  it('is blocked by the browser when its origin is not listed, and its change never reaches Partner Center', async () => {
    gateway.sandbox.reset();
    const before = gatewayAnswers().length;
    const page = await openPortal(unlisted.origin);
    const seen = await portalCalls(page, 777);

    for (const call of [seen.graphql, seen.read, seen.change]) {
      expect(call.status).toBeUndefined();
      expect(call.blocked).toMatch(/TypeError: Failed to fetch/);
    }
    // Refused at the preflight: nothing was sent after it, so nothing reached Partner Center.
    expect(gatewayAnswers().slice(before)).toEqual([
      expect.objectContaining({ method: 'OPTIONS', status: 403 }),
      expect.objectContaining({ method: 'OPTIONS', status: 403 }),
      expect.objectContaining({ method: 'OPTIONS', status: 403 }),
    ]);
    expect(gateway.sandbox.requestLog.entries({ target: 'partner-center' })).toEqual([]);
    // What Chromium says about each refusal; nothing else went wrong.
    const problems = browser.problems.splice(0);
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems)
      expect(`${problem.kind}: ${problem.detail}`).toMatch(/CORS policy|ERR_FAILED/);
    await page.close();
  });
});
