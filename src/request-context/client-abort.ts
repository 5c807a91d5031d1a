import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The client closed the connection before the answer was written (gave up, timed out, navigated away). Nothing is
 * wrong with the gateway, so such a request is logged at debug, never as an error.
 */
export function isClientAbort(request: IncomingMessage, response: ServerResponse): boolean {
  return request.readableAborted || (request.socket?.destroyed === true && !response.writableEnded);
}
