import { HttpException, Logger } from '@nestjs/common';
import { API_RESPONSE_HEADERS } from '../common/http/api-response-headers';
import { maxHeaderSize, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { echoClientValue } from '../problem/client-value';
import { describeFailure } from '../problem/failure';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, toProblemDetails } from '../problem/problem-details';
import { correlationIdFrom } from '../request-context/request-context';
import { CORRELATION_HEADER, correlationIdOfRequest } from '../request-context/request-context.hook';
import { markClosing } from './closing-connections';

/** What Node passes to `clientError`: llhttp's errors carry a code (`HPE_…`) and a fixed reason text. */
interface ClientError extends Error {
  code?: string;
  reason?: string;
}

const logger = new Logger('HttpParser');

/** Counts a refusal made before routing (status, and a fixed reason code: never client text). */
export type EdgeRefusalCounter = (status: number, reason: string) => void;

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before Fastify or Nest see them (headers too
 * large, an unknown method, Content-Length with Transfer-Encoding, a bad chunk, a bare LF, the request timeout) are
 * answered as problem+json with a new correlation id, like every other refusal, instead of Fastify's bare JSON, and
 * the connection is closed (its framing is lost). Other socket errors (a reset) are only closed.
 */
export function clientErrorHandler(
  options: { requestTimeoutMs: number },
  countRefusal: EdgeRefusalCounter = () => undefined,
) {
  return (error: ClientError, socket: Socket): void => {
    if (socket.destroyed) return;
    const status = parserErrorStatus(error.code);
    if (status === undefined) {
      socket.destroy();
      return;
    }
    countRefusal(status, /^(HPE|ERR)_[A-Z_]{1,40}$/.test(error.code ?? '') ? error.code! : 'other');
    const correlationId = correlationIdFrom();
    logger.debug(
      `Refused a request the HTTP parser rejected: ${error.code} (${status}, correlation ${correlationId})`,
    );
    const problem = toProblemDetails(
      describeFailure(new HttpException(parserErrorDetail(error, options.requestTimeoutMs), status)),
      correlationId,
    );
    // Requests read before the bad one (pipelined) are still being answered: their answers go first, in order, or the
    // client would take this refusal for the answer to a PATCH that was applied. Then this one, and the end.
    afterAnswersUnderWay(socket, () => {
      if (socket.writable) socket.write(rawAnswer(problem, correlationId));
      socket.destroy();
    });
  };
}

/** How long a connection whose parser failed may still finish the answers under way (the deadline ends them sooner). */
const ANSWERS_UNDER_WAY_MAX_MS = 120_000;

/** Runs `then` once no answer is being written on the connection (bounded in rounds and in time). */
function afterAnswersUnderWay(socket: Socket, then: () => void, round = 0): void {
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  // An answer to the very request the parser failed on (its body broken or late) is never coming: answer now.
  const earlierRequest = inFlight?.req?.complete === true && !inFlight.writableFinished;
  if (!inFlight || !earlierRequest || socket.destroyed || round >= 32) {
    if (inFlight?.headersSent && !inFlight.writableFinished) return void socket.destroy();
    return then();
  }
  let settled = false;
  const next = () => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    // Node hands the connection to the next pipelined answer once this one has finished.
    setImmediate(() => afterAnswersUnderWay(socket, then, round + 1));
  };
  const timer = setTimeout(() => {
    settled = true;
    socket.destroy();
  }, ANSWERS_UNDER_WAY_MAX_MS);
  timer.unref();
  inFlight.once('finish', next);
  inFlight.once('close', next);
}

/**
 * Node's `checkExpectation`: a request with an `Expect` other than `100-continue`, which Node answers with an empty
 * 417 unless a listener takes it. Its headers were read, so the caller's own correlation id is kept.
 */
export function unmetExpectationListener(countRefusal: EdgeRefusalCounter = () => undefined) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    countRefusal(417, 'expectation-failed');
    answerUnmetExpectation(request, response);
  };
}

function answerUnmetExpectation(request: IncomingMessage, response: ServerResponse): void {
  const correlationId = correlationIdOfRequest(request);
  const expectation = echoClientValue(String(request.headers.expect));
  const problem = toProblemDetails(
    describeFailure(
      new HttpException(`Only "Expect: 100-continue" is supported, not "Expect: ${expectation}".`, 417),
    ),
    correlationId,
  );
  const body = JSON.stringify(problem);
  // The connection ends with this answer: a request pipelined behind it must not run unanswered.
  markClosing(request.socket);
  response.writeHead(problem.status, { ...problemHeaders(body, correlationId), Connection: 'close' });
  response.end(body);
}

/**
 * Node's `connect` (a CONNECT request: a proxy's tunnel), which it would otherwise answer by closing the connection
 * without a word: 405 as problem+json, like any other method the gateway does not offer.
 */
export function connectListener(countRefusal: EdgeRefusalCounter = () => undefined) {
  return (request: IncomingMessage, socket: Socket): void => {
    countRefusal(405, 'connect');
    answerConnect(request, socket);
  };
}

function answerConnect(request: IncomingMessage, socket: Socket): void {
  const correlationId = correlationIdOfRequest(request);
  const problem = toProblemDetails(
    describeFailure(new HttpException('CONNECT is not offered: the gateway is not a proxy.', 405)),
    correlationId,
  );
  if (socket.writable) socket.write(rawAnswer(problem, correlationId));
  socket.destroySoon();
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
