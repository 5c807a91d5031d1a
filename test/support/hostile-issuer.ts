import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { localCertificate } from './local-certificate';

/** How the issuer answers its JWKS: as it should, or as real ones misbehave. */
export type JwksBehaviour =
  | 'ok'
  /** status and headers, a few bytes of the body, then nothing (a stalled proxy; the connection stays open). */
  | 'stall-body'
  /** a 200 whose body never ends within any sane size. */
  | 'oversized'
  | 'down';

/** An answer of the token endpoint as the test wants it, made from the real one (status and parsed JSON body). */
export type TokenAnswer = (
  real: { status: number; body: Record<string, unknown> },
  /** The token request's form (grant_type, assertion…). */
  sent: URLSearchParams,
) => {
  status: number;
  headers?: Record<string, string>;
  body: string;
  /** Wait this long before answering. */
  delayMs?: number;
};

/** The Entra ID whose token endpoint the issuer fronts (the sandbox): requests go there, answers come back rewritten. */
export interface FrontedEntraId {
  url: string;
  tenantId: string;
  caCertPem: string;
}

export interface HostileIssuer {
  /** The `iss` of its tokens, and where its discovery document is (`{issuer}/.well-known/openid-configuration`). */
  issuer: string;
  audience: string;
  jwksUri: string;
  /** Its self-signed certificate, for NODE_EXTRA_CA_CERTS. */
  certPem: string;
  jwks: JwksBehaviour;
  /** How the discovery document is answered (as the JWKS can be). */
  discovery: JwksBehaviour;
  discoveryRequests(): number;
  /** Requests for its JWKS so far. */
  jwksRequests(): number;
  /** Its URL, to use as AZURE_AUTHORITY_HOST (with the fronted Entra ID's tenant as AZURE_TENANT_ID). */
  authorityHost: string;
  /** How token requests are answered; unset: as the fronted Entra ID answered. */
  tokenAnswer?: TokenAnswer;
  tokenRequests(): number;
  /** A token signed with the current key (the newest after a rotation), published or not. */
  token(claims?: JWTPayload): Promise<string>;
  /** A new signing key: tokens are signed with it; `publish` puts it in the JWKS at once, else only on `publishAll`. */
  rotate(options: { publish: boolean }): void;
  publishAll(): void;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * An OpenID Connect issuer on 127.0.0.1 over real TLS that follows the public contract (discovery, a JWKS, RS256 tokens)
 * and misbehaves on demand, as real identity providers and the proxies in front of them do. Every connection it holds
 * open is destroyed by close().
 */
export async function startHostileIssuer(entraId?: FrontedEntraId): Promise<HostileIssuer> {
  const certificate = await localCertificate();
  const newKey = (): SigningKey => ({
    kid: randomUUID(),
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }),
  });
  let signing = newKey();
  let published: SigningKey[] = [signing];
  let jwksRequests = 0;
  let tokenRequests = 0;
  const held = new Set<ServerResponse>();
  const tenant = randomUUID();
  let base = '';

  const state: { jwks: JwksBehaviour; discovery: JwksBehaviour; tokenAnswer?: TokenAnswer } = {
    jwks: 'ok',
    discovery: 'ok',
  };
  let discoveryRequests = 0;
  const server: Server = createServer(
    { key: certificate.private, cert: certificate.cert },
    (request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (path === `/${tenant}/v2.0/.well-known/openid-configuration`) {
        discoveryRequests += 1;
        const document = JSON.stringify({
          issuer: `${base}/${tenant}/v2.0`,
          jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        });
        void misbehave(state.discovery, response, document);
        return;
      }
      if (entraId && path === `/${entraId.tenantId}/v2.0/.well-known/openid-configuration`) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            issuer: `${base}/${entraId.tenantId}/v2.0`,
            token_endpoint: `${base}/${entraId.tenantId}/oauth2/v2.0/token`,
            authorization_endpoint: `${base}/${entraId.tenantId}/oauth2/v2.0/authorize`,
            end_session_endpoint: `${base}/${entraId.tenantId}/oauth2/v2.0/logout`,
            jwks_uri: `${base}/${entraId.tenantId}/discovery/v2.0/keys`,
          }),
        );
        return;
      }
      if (entraId && request.method === 'POST' && path === `/${entraId.tenantId}/oauth2/v2.0/token`) {
        tokenRequests += 1;
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => void answerToken(Buffer.concat(chunks), response));
        return;
      }
      if (path === `/${tenant}/discovery/v2.0/keys`) {
        jwksRequests += 1;
        void answerJwks(response);
        return;
      }
      response.writeHead(404).end();
    },
  );

  async function answerToken(body: Buffer, response: ServerResponse): Promise<void> {
    const real = await forward(entraId!, body);
    const answer = state.tokenAnswer?.(real, new URLSearchParams(body.toString('utf8'))) ?? {
      status: real.status,
      body: JSON.stringify(real.body),
    };
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (response.destroyed) return;
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(answer.body);
  }

  async function answerJwks(response: ServerResponse): Promise<void> {
    if (state.jwks !== 'ok') return misbehave(state.jwks, response, '');
    const keys = await Promise.all(
      published.map(async (key) => ({
        ...(await exportJWK(key.publicKey)),
        kid: key.kid,
        use: 'sig',
        alg: 'RS256',
      })),
    );
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys }));
  }

  /** The document as it should be ('ok'), or one of the ways real servers and proxies fail to send one. */
  async function misbehave(
    behaviour: JwksBehaviour,
    response: ServerResponse,
    document: string,
  ): Promise<void> {
    switch (behaviour) {
      case 'down':
        response.writeHead(503, { 'content-type': 'text/html' }).end('<html>Service Unavailable</html>');
        return;
      case 'stall-body':
        held.add(response);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"keys":[');
        return;
      case 'oversized': {
        held.add(response);
        response.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        // Bounded: 64 MB at most, stopped as soon as the client goes away.
        for (let i = 0; i < 1024 && !response.destroyed; i++) {
          if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve));
        }
        response.end();
        return;
      }
      case 'ok':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(document);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/${tenant}/v2.0`;
  const audience = `api://hostile-issuer-${tenant}`;

  return {
    issuer,
    audience,
    jwksUri: `${base}/${tenant}/discovery/v2.0/keys`,
    certPem: certificate.cert,
    get jwks() {
      return state.jwks;
    },
    set jwks(value: JwksBehaviour) {
      state.jwks = value;
    },
    jwksRequests: () => jwksRequests,
    get discovery() {
      return state.discovery;
    },
    set discovery(value: JwksBehaviour) {
      state.discovery = value;
    },
    discoveryRequests: () => discoveryRequests,
    authorityHost: base,
    get tokenAnswer() {
      return state.tokenAnswer;
    },
    set tokenAnswer(value: TokenAnswer | undefined) {
      state.tokenAnswer = value;
    },
    tokenRequests: () => tokenRequests,
    token: (claims: JWTPayload = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: issuer,
        aud: audience,
        sub: `user-${randomUUID()}`,
        iat: now,
        nbf: now,
        exp: now + 3600,
        roles: ['UsageBudget.ReadWrite'],
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: signing.kid })
        .sign(signing.privateKey);
    },
    rotate: ({ publish }) => {
      signing = newKey();
      if (publish) published = [...published, signing];
    },
    publishAll: () => {
      if (!published.includes(signing)) published = [...published, signing];
    },
    close: async () => {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The token request sent on to the fronted Entra ID, as it was. */
function forward(
  entraId: FrontedEntraId,
  body: Buffer,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(
      `${entraId.url}/${entraId.tenantId}/oauth2/v2.0/token`,
      {
        method: 'POST',
        ca: entraId.caCertPem,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({
            status: answer.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
