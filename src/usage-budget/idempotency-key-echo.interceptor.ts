import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { IDEMPOTENCY_KEY_HEADERS, readIdempotencyKey } from './idempotency';

/**
 * Echoes the caller's idempotency key on every REST answer, errors included: under the header(s) it came in, when it
 * is one the gateway honours (a GUID, the same in both headers). Done before the pipes run, so that an answer to a
 * body refused by validation carries it too, as one refused by the domain rules does.
 */
@Injectable()
export class IdempotencyKeyEchoInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const headers = http.getRequest<FastifyRequest>().headers;
    const sent = IDEMPOTENCY_KEY_HEADERS.map((header) => {
      const value = headers[header.toLowerCase()];
      return { header, value: Array.isArray(value) ? value.join(', ') : value };
    });
    if (readIdempotencyKey(sent).violations.length === 0) {
      const reply = http.getResponse<FastifyReply>();
      for (const { header, value } of sent) if (value) reply.header(header, value);
    }
    return next.handle();
  }
}
