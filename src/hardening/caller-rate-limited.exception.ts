import { HttpException, HttpStatus } from '@nestjs/common';

/** A caller spent its request budget: 429 / RATE_LIMITED with how long to wait. */
export class CallerRateLimitedException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      `Too many requests from this caller; retry after ${retryAfterSeconds} seconds.`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
