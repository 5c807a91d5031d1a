import { request as httpsRequest, type Agent } from 'node:https';

/** One HTTP exchange: what was sent and what came back. Header names of the answer are lower-cased. */
export interface ExchangeRequest {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Ends the exchange when no answer has fully arrived by then (in addition to `signal`). */
  timeoutMs?: number;
}

export interface ExchangeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The largest body read from an upstream answer; a budget, a token or a JWKS is a few kilobytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** A request that got no HTTP answer: refused, reset, DNS, TLS, too large, or aborted by a timeout. */
export class TransportError extends Error {
  /** Attempts made for the logical call, set by the retry policy when it gives up. */
  attempts = 1;

  constructor(
    readonly reason: 'connection' | 'aborted',
    readonly causeCode: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * The one HTTPS client of the gateway (Partner Center, Entra ID's token endpoint, the issuer's keys), straight on
 * Node's keep-alive agent. Every status is an answer here (callers decide what a 429 or 503 means); only the
 * absence of an answer throws. It replaces axios on the hot path: axios' request machinery (config merging,
 * interceptors, adapters, transforms) cost about half the throughput of a proxied call in the CPU profile, and
 * nothing of it is needed for one JSON exchange.
 */
export function httpsExchange(agent: Agent, request: ExchangeRequest): Promise<ExchangeResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = request;
    if (signal?.aborted) return reject(aborted());
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    // Only the error code, never the URL or headers: messages of this module may reach logs.
    const outgoing = httpsRequest(request.url, { method: request.method, headers, agent }, (incoming) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          incoming.destroy();
          finish(() =>
            reject(
              new TransportError('connection', 'ERR_RESPONSE_TOO_LARGE', 'the upstream answer is too large'),
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      incoming.on('error', (error: NodeJS.ErrnoException) => finish(() => reject(noAnswer(error, signal))));
      incoming.on('aborted', () =>
        finish(() => reject(noAnswer(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), signal))),
      );
      incoming.on('end', () =>
        finish(() =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: lowerCased(incoming.headers),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        ),
      );
    });
    const onAbort = () => {
      outgoing.destroy();
      finish(() => reject(aborted()));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (request.timeoutMs !== undefined) timer = setTimeout(onAbort, request.timeoutMs);
    outgoing.on('error', (error: NodeJS.ErrnoException) => finish(() => reject(noAnswer(error, signal))));
    outgoing.end(request.body);
  });
}

function aborted(): TransportError {
  return new TransportError('aborted', 'ERR_CANCELED', 'the request was aborted before an answer arrived');
}

function noAnswer(error: NodeJS.ErrnoException, signal: AbortSignal | undefined): TransportError {
  if (signal?.aborted) return aborted();
  return new TransportError(
    'connection',
    error.code,
    `no answer from upstream (${error.code ?? 'connection error'})`,
  );
}

function lowerCased(headers: NodeJS.Dict<string | string[]>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}
