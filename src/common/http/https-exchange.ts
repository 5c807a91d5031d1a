import type { Dispatcher } from 'undici';
import { DecodedTooLargeError, decodeContent } from './content-coding';
import { MAX_RESPONSE_BYTES, type ConnectionPool } from './connection-pool';

/** One HTTP exchange: what was sent and what came back. Header names of the answer are lower-cased. */
export interface ExchangeRequest {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Ends the exchange when no answer has fully arrived by then. */
  timeoutMs?: number;
  /** Called as the request is written on a connection (once one is free or made). */
  onSent?: () => void;
}

export interface ExchangeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

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
 * The one HTTPS client of the gateway's upstream calls (Partner Center, Entra ID's token endpoint, the issuer's
 * discovery), on an undici connection pool (connection-pool.ts). Every status is an answer here (callers decide what
 * a 429 or 503 means); only the absence of an answer throws, as a TransportError.
 *
 * Why undici and not Node's `https`: measured with two gateways side by side on one sandbox (distinct reads, 5 s
 * rounds), the gateway on undici served 1.18–1.35× the REST reads per second (4 of 5 rounds ≥ 1.2) and 1.18–1.33× the
 * GraphQL reads of the same gateway on Node's `https` agent, at ~220 µs (REST) and ~320 µs (GraphQL) less gateway CPU
 * per read. In the gateway's own process one call cost 71–141 µs of CPU against 117–207 µs. axios was replaced
 * before for the same reason (its request machinery was half a proxied call's CPU).
 *
 * It uses undici's handler API rather than its `request()`: the answers are small JSON bodies, read whole, so a
 * Readable stream per answer, its events and ticks, and the promise it is read through are machinery for nothing.
 * The timeout is one timer per exchange, which aborts the exchange through undici's controller.
 */
export function httpsExchange(pool: ConnectionPool, request: ExchangeRequest): Promise<ExchangeResponse> {
  const { origin, path } = splitUrl(request.url);
  return new Promise<ExchangeResponse>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let timedOut = false;
    const timer =
      request.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            // Not sent yet (waiting for a connection): it is aborted when it would start.
            if (controller) controller.abort(new Error('timeout'));
            else reject(aborted());
          }, request.timeoutMs);
    let status = 0;
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (timedOut) started.abort(new Error('timeout'));
        else request.onSent?.();
      },
      onResponseStart(_controller, statusCode, answerHeaders) {
        if (statusCode < 200) return; // 1xx: the answer is still to come
        status = statusCode;
        headers = lowerCased(answerHeaders);
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        if (timer) clearTimeout(timer);
        let bytes: Buffer;
        try {
          const received = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
          bytes = decodeContent(received, headers['content-encoding'], MAX_RESPONSE_BYTES);
        } catch (error) {
          reject(undecodable(error));
          return;
        }
        const text = bytes.toString();
        // A UTF-8 byte order mark is not part of the text (as a TextDecoder reads it).
        resolve({ status, headers, body: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text });
      },
      onResponseError(_controller, error) {
        if (timer) clearTimeout(timer);
        reject(timedOut ? aborted() : noAnswer(error));
      },
    };
    try {
      pool.dispatch(
        { origin, path, method: request.method, headers: request.headers, body: request.body },
        handler,
      );
    } catch (error) {
      if (timer) clearTimeout(timer);
      reject(noAnswer(error));
    }
  });
}

function aborted(): TransportError {
  return new TransportError('aborted', 'ERR_CANCELED', 'the request was aborted before an answer arrived');
}

/** An answer that decodes past the size limit is refused as one received too large. */
function undecodable(error: unknown): unknown {
  if (!(error instanceof DecodedTooLargeError)) return error;
  return new TransportError('connection', 'ERR_RESPONSE_TOO_LARGE', 'the upstream answer is too large');
}

/** The origin and the path of an absolute URL the caller built, without parsing it as a URL on every call. */
function splitUrl(url: string): { origin: string; path: string } {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  return pathStart < 0
    ? { origin: url, path: '/' }
    : { origin: url.slice(0, pathStart), path: url.slice(pathStart) };
}

/**
 * What an exchange that got no answer throws. Only the error code goes into the message, never the URL or headers:
 * messages of this module may reach logs. An invalid request (a header value with a line break) is the caller's
 * error, not the connection's, and is thrown as it is.
 */
function noAnswer(error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') {
    return new TransportError('connection', undefined, 'no answer from upstream (connection error)');
  }
  switch (code) {
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
      return error;
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return aborted();
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return new TransportError('connection', 'ERR_RESPONSE_TOO_LARGE', 'the upstream answer is too large');
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED': {
      // The connection closed under the request ("other side closed"): to the caller a reset, whatever the cause.
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      const resetCode = typeof cause === 'string' ? cause : 'ECONNRESET';
      return new TransportError('connection', resetCode, `no answer from upstream (${resetCode})`);
    }
    default:
      return new TransportError('connection', code, `no answer from upstream (${code})`);
  }
}

function lowerCased(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}
