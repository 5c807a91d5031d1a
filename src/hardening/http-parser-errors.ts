import { HttpException, Logger } from '@nestjs/common';
import { maxHeaderSize, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { echoClientValue } from '../problem/client-value';
import { describeFailure } from '../problem/failure';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, toProblemDetails } from '../problem/problem-details';
import { correlationIdFrom } from '../request-context/request-context';
import { CORRELATION_HEADER } from '../request-context/request-context.hook';
import { API_RESPONSE_HEADERS } from './security-headers.hook';

/** What Node passes to `clientError`: llhttp's errors carry a code (`HPE_…`) and a fixed reason text. */
interface ClientError extends Error {
  code?: string;
  reason?: string;
}

const logger = new Logger('HttpParser');

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before Fastify or Nest see them (headers too
 * large, an unknown method, Content-Length with Transfer-Encoding, a bad chunk, a bare LF, the request timeout) are
 * answered as problem+json with a new correlation id, like every other refusal, instead of Fastify's bare JSON, and
 * the connection is closed (its framing is lost). Other socket errors (a reset) are only closed.
 */
export function clientErrorHandler(options: { requestTimeoutMs: number }) {
  return (error: ClientError, socket: Socket): void => {
    if (socket.destroyed) return;
    const status = parserErrorStatus(error.code);
    if (status === undefined) {
      socket.destroy();
      return;
    }
    const correlationId = correlationIdFrom();
    logger.debug(
      `Refused a request the HTTP parser rejected: ${error.code} (${status}, correlation ${correlationId})`,
    );
    // An answer already being written on this connection (a previous, pipelined request's) must not be corrupted.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const problem = toProblemDetails(
        describeFailure(new HttpException(parserErrorDetail(error, options.requestTimeoutMs), status)),
        correlationId,
      );
      socket.write(rawAnswer(problem, correlationId));
    }
    socket.destroy();
  };
}

/**
 * Node's `checkExpectation`: a request with an `Expect` other than `100-continue`, which Node answers with an empty
 * 417 unless a listener takes it. Its headers were read, so the caller's own correlation id is kept.
 */
export function answerUnmetExpectation(request: IncomingMessage, response: ServerResponse): void {
  const correlationId = correlationIdFrom(
    request.headers['ms-correlationid'],
    request.headers['x-correlation-id'],
  );
  const expectation = echoClientValue(String(request.headers.expect));
  const problem = toProblemDetails(
    describeFailure(
      new HttpException(`Only "Expect: 100-continue" is supported, not "Expect: ${expectation}".`, 417),
    ),
    correlationId,
  );
  const body = JSON.stringify(problem);
  response.writeHead(problem.status, { ...problemHeaders(body, correlationId), Connection: 'close' });
  response.end(body);
}

function parserErrorStatus(code: string | undefined): number | undefined {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 413;
  return code?.startsWith('HPE_') ? 400 : undefined;
}

function parserErrorDetail(error: ClientError, requestTimeoutMs: number): string {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return `The request did not arrive completely within ${requestTimeoutMs} ms.`;
    case 'HPE_HEADER_OVERFLOW':
      return `The request headers are larger than ${maxHeaderSize} bytes in all.`;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'The chunk extensions of the request body are too large.';
    default:
      // llhttp's reason is its own fixed text ("Invalid method encountered"), never the client's bytes.
      return `The request is not valid HTTP/1.1${error.reason ? `: ${error.reason}` : ''} (${error.code}).`;
  }
}

function problemHeaders(body: string, correlationId: string): Record<string, string> {
  return {
    ...API_RESPONSE_HEADERS,
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Content-Length': String(Buffer.byteLength(body)),
    [CORRELATION_HEADER]: correlationId,
  };
}

/** A whole HTTP/1.1 answer for a socket with no response object. */
function rawAnswer(problem: ProblemDetails, correlationId: string): string {
  const body = JSON.stringify(problem);
  const headers = {
    ...problemHeaders(body, correlationId),
    Date: new Date().toUTCString(),
    Connection: 'close',
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n${head.join('')}\r\n${body}`;
}
