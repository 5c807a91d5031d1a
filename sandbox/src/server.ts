import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { faultReply } from './fault-replies';
import { latencyFaultDelayMs } from './fault-spec';
import { lowercaseHeaders, type SandboxReply, type SandboxRequest } from './http/exchange';
import { partnerCenterError } from './partner-center/errors';
import { resolveRoute } from './routes';
import type { SandboxServices } from './services';
import type { ActiveFault } from './types';

const MAX_BODY_BYTES = 1024 * 1024;

export interface SandboxServer {
  port: number;
  /** Stops listening and destroys every open socket, hung requests included. */
  close(): Promise<void>;
}

/** The HTTPS front door: reads, logs, injects faults, routes and writes every request. */
export async function startServer(
  tls: { key: string; cert: string },
  listen: { host: string; port: number },
  services: SandboxServices,
  log: (line: string) => void,
): Promise<SandboxServer> {
  const sockets = new Set<Socket>();
  const stopping = new AbortController();
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handle(req, res, services, stopping.signal).catch((error) => {
      log(`sandbox: ${req.method} ${req.url} failed: ${error instanceof Error ? error.stack : error}`);
      if (!res.headersSent) write(res, partnerCenterError(500, 800003, 'Unexpected service error'));
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  return { port, close: () => stop(server, sockets, stopping) };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  services: SandboxServices,
  stopping: AbortSignal,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://sandbox.invalid');
  const method = req.method ?? 'GET';
  const route = resolveRoute(method, url.pathname);
  // In flight from arrival until the answer is written or the connection closes (hung requests included).
  if (route.target === 'partner-center') res.once('close', services.inFlight.enter());
  const request: SandboxRequest = {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: lowercaseHeaders(req.headers),
    body: await readBody(req),
  };
  const entry = services.log.record(route.target, request);
  res.on('finish', () => (entry.status = res.statusCode));
  if (route.target === 'token') services.ledger.countRequest();

  const fault =
    route.target === 'partner-center' || route.target === 'token'
      ? services.faults.take({ target: route.target, method: request.method, customerId: route.customerId })
      : undefined;
  if (fault) {
    entry.fault = describeFault(fault);
    if (!(await applyFault(fault, req, res, request, stopping))) return;
  }
  if (stopping.aborted) return;
  const reply = await route.run(request, services);
  // What was read or changed now is answered later: an answer still on its way while the budget changes.
  if (fault?.kind === 'slow-answer') await sleep(latencyFaultDelayMs(fault), stopping);
  if (fault?.kind === 'drop-after-apply') {
    // The PATCH is applied (and remembered for MS-RequestId replays), but its answer is lost on the way back.
    req.socket.destroy();
    return;
  }
  write(
    res,
    route.target === 'partner-center' || route.target === 'other' ? echoCorrelationId(reply, request) : reply,
  );
}

/** Applies a fault; returns true when the request should still be handled normally (latency). */
async function applyFault(
  fault: ActiveFault,
  req: IncomingMessage,
  res: ServerResponse,
  request: SandboxRequest,
  stopping: AbortSignal,
): Promise<boolean> {
  switch (fault.kind) {
    case 'status':
      write(
        res,
        fault.target === 'partner-center' ? echoCorrelationId(faultReply(fault), request) : faultReply(fault),
      );
      return false;
    case 'latency':
      await sleep(latencyFaultDelayMs(fault), stopping);
      return true;
    case 'hang':
      // Never answered: the socket stays open until the client gives up or the sandbox closes.
      return false;
    case 'reset':
      resetConnection(req);
      return false;
    case 'drop-after-apply':
      // Handled normally; the connection is dropped once the request has been applied.
      return true;
    case 'slow-answer':
      // Handled normally; the answer is held once the request has been handled.
      return true;
  }
}

/** Sends a TCP RST where Node allows it on the underlying socket, else just destroys the TLS socket. */
function resetConnection(req: IncomingMessage): void {
  const tlsSocket = req.socket as Socket & { _parent?: Socket };
  const raw = tlsSocket._parent;
  if (raw && typeof raw.resetAndDestroy === 'function') {
    try {
      raw.resetAndDestroy();
      tlsSocket.destroy();
      return;
    } catch {
      // The handle was not a plain TCP one; fall through to a plain destroy.
    }
  }
  tlsSocket.destroy();
}

/** Partner Center echoes MS-CorrelationId on every response, errors included. */
function echoCorrelationId(reply: SandboxReply, request: SandboxRequest): SandboxReply {
  const correlationId = request.headers['ms-correlationid'];
  return correlationId
    ? { ...reply, headers: { ...reply.headers, 'ms-correlationid': correlationId } }
    : reply;
}

function write(res: ServerResponse, reply: SandboxReply): void {
  const payload =
    reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const headers: Record<string, string | number> = {
    ...reply.headers,
    'content-length': Buffer.byteLength(payload),
  };
  if (payload) headers['content-type'] ??= 'application/json; charset=utf-8';
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function describeFault(fault: ActiveFault): string {
  const detail =
    fault.kind === 'status'
      ? `:${fault.status}`
      : fault.kind === 'latency' || fault.kind === 'slow-answer'
        ? `:${fault.latencyMs}ms`
        : '';
  return `${fault.kind}${detail}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number, stopping: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    stopping.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      stopping.removeEventListener('abort', done);
      resolve();
    }
  });
}

function stop(server: Server, sockets: Set<Socket>, stopping: AbortController): Promise<void> {
  stopping.abort();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  return closed;
}
