// Child entry: the limit of one hop. A bare Node http server that forwards every request to the upstream over an
// https keep-alive agent, adding the bearer token it was given once at start. No parsing, no policies.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';

const upstream = new URL(required('BENCH_UPSTREAM_URL'));
const authorization = `Bearer ${required('BENCH_UPSTREAM_TOKEN')}`;
const agent = new Agent({
  ca: readFileSync(required('BENCH_UPSTREAM_CA_PATH'), 'utf8'),
  keepAlive: true,
  maxSockets: Infinity,
  maxFreeSockets: 1024,
});

const server = createServer((req, res) => {
  const forwarded = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...withoutHopHeaders(req.headers), host: upstream.host, authorization },
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, withoutHopHeaders(answer.headers));
      answer.pipe(res);
    },
  );
  forwarded.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(forwarded);
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ ready: { port: typeof address === 'object' && address ? address.port : 0 } });
});
const stop = () => server.close(() => process.exit(0)) && server.closeAllConnections();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.once('disconnect', stop);

function withoutHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, host: _h, ...rest } = headers;
  return rest;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}
