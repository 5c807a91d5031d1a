import type { GraphqlAnswer } from './gateway';

/**
 * A GraphQL request refused as over a rate limit before anything ran: 429 with `Retry-After`, no `data`, and one
 * error carrying RATE_LIMITED, the same seconds, and the request's correlation id. Returns the seconds.
 */
export function expectRateLimitedBeforeExecution(answer: GraphqlAnswer): number {
  expect(answer.status).toBe(429);
  expect(answer).not.toHaveProperty('data');
  const retryAfter = Number(answer.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(answer.errors).toEqual([
    {
      message: expect.any(String),
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds: retryAfter,
        correlationId: answer.headers['ms-correlationid'],
      },
    },
  ]);
  return retryAfter;
}
