import type { Agent } from 'node:https';
import { httpsExchange } from '../../common/http/https-exchange';
import { SendRequest } from '../pipeline/pipeline';

/** The last step of the pipeline: one HTTP exchange over the shared keep-alive agent. */
export function createTransport(agent: Agent): SendRequest {
  return ({ method, url, headers, body, timeoutMs }) =>
    httpsExchange(agent, { method, url, headers, body, timeoutMs });
}
