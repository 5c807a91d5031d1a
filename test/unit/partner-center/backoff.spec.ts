import { exponentialDelay, requestedWaitSeconds } from '../../../src/partner-center/pipeline/backoff';
import { parseRetryAfter } from '../../../src/partner-center/errors/retry-after';

describe('exponential backoff', () => {
  const options = { baseDelayMs: 500, maxDelayMs: 8_000 };

  it('doubles the step each attempt, with at least half of it fixed', () => {
    expect(exponentialDelay(1, options, () => 0)).toBe(250);
    expect(exponentialDelay(2, options, () => 0)).toBe(500);
    expect(exponentialDelay(3, options, () => 0)).toBe(1000);
    expect(exponentialDelay(3, options, () => 1)).toBe(2000);
  });

  it('never exceeds the maximum delay', () => {
    expect(exponentialDelay(20, options, () => 1)).toBe(8_000);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');

  it('reads delay-seconds', () => expect(parseRetryAfter('57', now)).toBe(57));
  it('reads an HTTP date', () => expect(parseRetryAfter('Sat, 21 Nov 2026 12:00:30 GMT', now)).toBe(30));
  it('treats a date in the past as no wait', () =>
    expect(parseRetryAfter('Sat, 21 Nov 2026 11:00:00 GMT', now)).toBe(0));
  it('ignores garbage', () => expect(parseRetryAfter('soon', now)).toBeUndefined());
  it('ignores an absent header', () => expect(parseRetryAfter(undefined, now)).toBeUndefined());

  it('prefers the header over the 429 body', () => {
    const body = JSON.stringify({
      statusCode: 429,
      message: 'Rate limit is exceeded. Try again in 57 seconds.',
    });
    expect(requestedWaitSeconds({ status: 429, headers: { 'retry-after': '3' }, body }, now)).toBe(3);
    expect(requestedWaitSeconds({ status: 429, headers: {}, body }, now)).toBe(57);
  });
});
