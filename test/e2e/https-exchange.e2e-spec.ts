import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { localCertificate } from '../support/local-certificate';
import type { ConnectionPool } from '../../src/common/http/connection-pool';
import { createConnectionPool, MAX_RESPONSE_BYTES } from '../../src/common/http/connection-pool';
import { httpsExchange, TransportError } from '../../src/common/http/https-exchange';

/**
 * The gateway's one HTTPS exchange against a real TLS server on 127.0.0.1 that misbehaves on purpose: what is an
 * answer (any status), and what is no answer, with the code the retry policy and the PATCH safety rules read.
 */
describe('httpsExchange over the connection pool', () => {
  let server: Server;
  let base: string;
  let certPem: string;
  let pool: ConnectionPool;
  const seen: Array<{ url?: string; method?: string; length?: string; body: string }> = [];

  beforeAll(async () => {
    const certificate = await localCertificate();
    certPem = certificate.cert;
    server = createServer({ key: certificate.private, cert: certificate.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({
          url: req.url,
          method: req.method,
          length: req.headers['content-length'],
          body: Buffer.concat(chunks).toString('utf8'),
        });
        switch (req.url) {
          case '/ok':
            res.writeHead(200, { 'Content-Type': 'application/json', 'MS-RequestId': 'abc' });
            res.end(JSON.stringify({ method: req.method }));
            return;
          case '/chunked-bom': {
            // A byte order mark, then "é" split across two writes: the text must come back whole, without the mark.
            const bytes = Buffer.from('\ufeff{"name":"Café"}', 'utf8');
            const split = bytes.indexOf(0xc3) + 1;
            res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
            res.write(bytes.subarray(0, split));
            setTimeout(() => res.end(bytes.subarray(split)), 20);
            return;
          }
          case '/throttled':
            res.writeHead(429, { 'Retry-After': '2' });
            res.end('{"code":"429"}');
            return;
          case '/big':
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end('x'.repeat(MAX_RESPONSE_BYTES + 1));
            return;
          case '/endless':
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.write('{"amount":'); // and never the rest
            return;
          case '/reset':
            req.socket.destroy();
            return;
          default:
            res.writeHead(404);
            res.end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    pool = createConnectionPool([certPem]);
  });

  afterAll(async () => {
    await pool.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('returns the answer with lower-cased header names, and sends a body with its length', async () => {
    const answer = await httpsExchange(pool, {
      method: 'PATCH',
      url: `${base}/ok`,
      headers: { 'Content-Type': 'application/json' },
      body: '{"Amount":5}',
      timeoutMs: 5_000,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['ms-requestid']).toBe('abc');
    expect(JSON.parse(answer.body)).toEqual({ method: 'PATCH' });
    expect(seen.at(-1)).toEqual({ url: '/ok', method: 'PATCH', length: '12', body: '{"Amount":5}' });
  });

  it('reads a body that arrives in pieces as UTF-8, without a leading byte order mark', async () => {
    const answer = await httpsExchange(pool, { method: 'GET', url: `${base}/chunked-bom`, timeoutMs: 5_000 });
    expect(answer.body).toBe('{"name":"Café"}');
    expect(JSON.parse(answer.body)).toEqual({ name: 'Café' });
  });

  it('treats every status as an answer: a 429 comes back with its Retry-After, not as an error', async () => {
    const answer = await httpsExchange(pool, { method: 'GET', url: `${base}/throttled`, timeoutMs: 5_000 });
    expect(answer).toMatchObject({ status: 429, headers: { 'retry-after': '2' }, body: '{"code":"429"}' });
  });

  it('refuses an answer above the size limit', async () => {
    const error = await httpsExchange(pool, { method: 'GET', url: `${base}/big`, timeoutMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ reason: 'connection', causeCode: 'ERR_RESPONSE_TOO_LARGE' });
  });

  it('ends an answer whose body never completes at the timeout, as aborted', async () => {
    const started = Date.now();
    const error = await httpsExchange(pool, { method: 'GET', url: `${base}/endless`, timeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ reason: 'aborted' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('reports a connection closed under the request as a reset, without the URL in the message', async () => {
    const error = await httpsExchange(pool, { method: 'GET', url: `${base}/reset`, timeoutMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ reason: 'connection', causeCode: 'ECONNRESET' });
    expect((error as Error).message).not.toContain('127.0.0.1');
  });

  it('reports a refused connection with its code, which the retry policy reads as never sent', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await httpsExchange(pool, {
      method: 'GET',
      url: `https://127.0.0.1:${port}/ok`,
      timeoutMs: 5_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ reason: 'connection', causeCode: 'ECONNREFUSED' });
  });

  it('does not trust a server certificate outside the pool trust', async () => {
    const untrusting = createConnectionPool();
    try {
      const error = await httpsExchange(untrusting, {
        method: 'GET',
        url: `${base}/ok`,
        timeoutMs: 5_000,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).causeCode).toMatch(/CERT|SIGN/);
    } finally {
      await untrusting.destroy();
    }
  });

  it('sends nothing for a header value with a line break, and says it is the request at fault', async () => {
    const before = seen.length;
    const error = await httpsExchange(pool, {
      method: 'GET',
      url: `${base}/ok`,
      headers: { 'X-Injected': 'a\r\nX-Other: b' },
      timeoutMs: 5_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransportError);
    expect(seen.length).toBe(before);
  });
});
