import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { localCertificate } from './local-certificate';

/** A request Partner Center received, as it arrived. */
export interface ReceivedRequest {
  method: string;
  /** The path and query exactly as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * How the fake answers one usage-budget request: write to `response` as any real server (or the proxy in front of
 * it) might. `budget` is what a well-behaved Partner Center would answer.
 */
export type PartnerCenterAnswer = (
  request: ReceivedRequest,
  response: ServerResponse,
  budget: () => Record<string, unknown>,
) => void | Promise<void>;

export interface HostilePartnerCenter {
  /** Partner Center's base URL and Entra ID's authority host (one origin). */
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Its self-signed certificate, the only CA the gateway is given. */
  certPem: string;
  /** The access tokens it issued: none may appear in an answer or a log of the gateway. */
  tokens(): string[];
  /** Usage-budget requests received (token requests excluded), oldest first. */
  requests(): ReceivedRequest[];
  tokenRequests(): number;
  /** The forms of the token requests received, oldest first. */
  tokenForms(): URLSearchParams[];
  /** The budget store, by lower-case customer id (`undefined` amount: the customer is unknown, 404). */
  amounts: Map<string, number | null>;
  /** Overrides the contract-following answer; set back to undefined to restore it. */
  answer?: PartnerCenterAnswer;
  /** A content coding the token endpoint applies to its answers (HTTP lets a server pick any without Accept-Encoding). */
  tokenEncoding?: 'gzip' | 'deflate' | 'br';
  /** The gateway's connection settings for this Partner Center (PartnerCenterOptions' upstream part). */
  connection(): {
    baseUrl: string;
    authorityHost: string;
    tenantId: string;
    clientId: string;
    credential: { kind: 'secret'; clientSecret: string };
    extraCaCertificates: string[];
  };
  reset(): void;
  close(): Promise<void>;
}

const BUDGET_PATH = /^\/v1\/customers\/([^/?]+)\/usagebudget$/;

/**
 * Partner Center's usage-budget API and Entra ID's token endpoint on 127.0.0.1 over real TLS, written from the public
 * contract (shared/partner-center-api.md) alone: no code of the gateway or of its sandbox. By default it answers as
 * the contract says (case-insensitive request properties, camelCase answers, the correlation id echoed, 400/2000 for
 * a non-GUID tenant id, 404/60003 for an unknown customer); `answer` makes it misbehave as real services do.
 * close() destroys every connection it holds.
 */
export async function startHostilePartnerCenter(): Promise<HostilePartnerCenter> {
  const certificate = await localCertificate();
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const clientSecret = `secret-${randomBytes(24).toString('hex')}`;
  const issued: string[] = [];
  let received: ReceivedRequest[] = [];
  const forms: URLSearchParams[] = [];
  const held = new Set<ServerResponse>();
  let base = '';
  const fake: Pick<HostilePartnerCenter, 'answer' | 'amounts' | 'tokenEncoding'> = { amounts: new Map() };

  const server: Server = createServer({ key: certificate.private, cert: certificate.cert }, (req, res) => {
    held.add(res);
    res.on('close', () => held.delete(res));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void route(req, res, Buffer.concat(chunks).toString('utf8')));
  });

  async function route(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    if (path === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
      return json(res, 200, {
        issuer: `${base}/${tenantId}/v2.0`,
        token_endpoint: `${base}/${tenantId}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/${tenantId}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`,
      });
    }
    if (req.method === 'POST' && path === `/${tenantId}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(body);
      forms.push(form);
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
        return json(res, 401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret.',
        });
      }
      const token = `pc-${randomBytes(32).toString('base64url')}`;
      issued.push(token);
      const answer = { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: token };
      if (!fake.tokenEncoding) return json(res, 200, answer);
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Encoding': fake.tokenEncoding,
      });
      res.end(encode(fake.tokenEncoding, JSON.stringify(answer)));
      return;
    }
    const request: ReceivedRequest = { method: req.method ?? '', url, headers: req.headers, body };
    received.push(request);
    const authorized = issued.some((token) => req.headers.authorization === `Bearer ${token}`);
    if (!authorized)
      return json(res, 401, { code: 800001, description: 'Partner token missing', source: 'PartnerFD' });
    const match = BUDGET_PATH.exec(path);
    if (!match) return json(res, 404, { code: 1000, description: 'Not found', source: 'PartnerFD' });
    const customerId = decodeURIComponent(match[1]).toLowerCase();
    const budget = () => resource(customerId, fake.amounts.get(customerId) ?? null);
    if (fake.answer) return fake.answer(request, res, budget);
    return answerByContract(request, res, customerId);
  }

  function answerByContract(request: ReceivedRequest, res: ServerResponse, customerId: string): void {
    const correlation = request.headers['ms-correlationid'];
    const headers: Record<string, string> = correlation ? { 'MS-CorrelationId': String(correlation) } : {};
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(customerId)) {
      return json(
        res,
        400,
        { code: 2000, description: 'Tenant Id must be a GUID', source: 'PartnerFD' },
        headers,
      );
    }
    if (!fake.amounts.has(customerId)) {
      return json(res, 404, { code: 60003, description: 'Tenant not found', source: 'PartnerFD' }, headers);
    }
    if (request.method === 'PATCH') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(request.body);
      } catch {
        parsed = undefined;
      }
      const amount = propertyOf(parsed, 'amount');
      if (typeof amount !== 'number') {
        return json(res, 400, { code: 400, description: 'Amount is required', source: 'PartnerFD' }, headers);
      }
      fake.amounts.set(customerId, amount);
    } else if (request.method !== 'GET') {
      return json(res, 405, { code: 405, description: 'Method not allowed', source: 'PartnerFD' }, headers);
    }
    json(res, 200, resource(customerId, fake.amounts.get(customerId) ?? null), headers);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(fake, {
    url: base,
    tenantId,
    clientId,
    clientSecret,
    certPem: certificate.cert,
    tokens: () => [...issued],
    requests: () => [...received],
    tokenRequests: () => forms.length,
    tokenForms: () => [...forms],
    connection: () => ({
      baseUrl: base,
      authorityHost: base,
      tenantId,
      clientId,
      credential: { kind: 'secret' as const, clientSecret },
      extraCaCertificates: [certificate.cert],
    }),
    reset() {
      received = [];
      fake.answer = undefined;
      fake.tokenEncoding = undefined;
    },
    async close() {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** Partner Center's SpendingBudget, camelCase, as the contract shows it. */
function resource(customerId: string, amount: number | null): Record<string, unknown> {
  return {
    amount,
    usageSpendingBudget: amount,
    attributes: { objectType: 'SpendingBudget' },
    links: { self: { uri: `/v1/customers/${customerId}/usagebudget`, method: 'GET', headers: [] } },
  };
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function propertyOf(body: unknown, name: string): unknown {
  if (!body || typeof body !== 'object') return undefined;
  const key = Object.keys(body).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : (body as Record<string, unknown>)[key];
}

/** A body in one of HTTP's content codings. */
export function encode(coding: 'gzip' | 'deflate' | 'br', body: string): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  return coding === 'gzip'
    ? gzipSync(bytes)
    : coding === 'deflate'
      ? deflateSync(bytes)
      : brotliCompressSync(bytes);
}
