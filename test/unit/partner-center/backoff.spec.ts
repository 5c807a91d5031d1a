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

  // Date.parse takes almost anything for a date ("5, 5" is 5 May 2001): only HTTP's own date forms are dates.
  it.each([
    ['5, 5', 5],
    ['30, 30', 30],
    ['-1', undefined],
    ['+5', undefined],
    ['2 minutes', undefined],
  ])('reads %p, not as a date in the past', (value, seconds) =>
    expect(parseRetryAfter(value, now)).toBe(seconds),
  );

  it.each([
    ['Sat, 21 Nov 2026 12:00:30 GMT, Sat, 21 Nov 2026 12:00:30 GMT', 30],
    ['Saturday, 21-Nov-26 12:00:30 GMT', 30],
    ['Sat Nov 21 12:00:30 2026', 30],
  ])('reads the HTTP date %p', (value, seconds) => expect(parseRetryAfter(value, now)).toBe(seconds));

  it('prefers the header over the 429 body', () => {
    const body = JSON.stringify({
      statusCode: 429,
      message: 'Rate limit is exceeded. Try again in 57 seconds.',
    });
    expect(requestedWaitSeconds({ status: 429, headers: { 'retry-after': '3' }, body }, now)).toBe(3);
    expect(requestedWaitSeconds({ status: 429, headers: {}, body }, now)).toBe(57);
  });

  it("reads the 429 body's member in any case, as Partner Center's bodies are read", () => {
    const body = '{"StatusCode":429,"Message":"Rate limit is exceeded. Try again in 57 seconds."}';
    expect(requestedWaitSeconds({ status: 429, headers: {}, body }, now)).toBe(57);
  });
});
