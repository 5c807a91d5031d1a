import type { ConnectionPool } from '../../common/http/connection-pool';
import { httpsExchange } from '../../common/http/https-exchange';
import { SendRequest } from '../pipeline/pipeline';

/** The last step of the pipeline: one HTTP exchange over the shared connection pool. */
export function createTransport(pool: ConnectionPool): SendRequest {
  return ({ method, url, headers, body, timeoutMs, onSent }) =>
    httpsExchange(pool, { method, url, headers, body, timeoutMs, onSent });
}
