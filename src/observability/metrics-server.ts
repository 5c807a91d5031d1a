import { createServer, Server } from 'node:http';
import type { Metrics } from './metrics';

/** The metrics port cannot be listened on: the operator's METRICS_PORT (or HOST) to fix, named as such. */
export class MetricsListenError extends Error {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    super(`cannot listen on METRICS_PORT (${host}:${port}, ${cause.code ?? 'error'}): ${cause.message}`);
    this.name = 'MetricsListenError';
  }
}

/** `METRICS_PORT`: /metrics on its own port (e.g. reachable by Prometheus only), nothing else served there. */
export async function startMetricsServer(metrics: Metrics, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.exposition().then(
      (body) =>
        res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new MetricsListenError(host, port, error)));
    server.listen(port, host, () => resolve());
  });
  return server;
}
