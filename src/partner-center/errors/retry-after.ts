/**
 * RFC 9110's date forms (§5.6.7): IMF-fixdate, the obsolete RFC 850 and asctime (in GMT, without saying so). Only
 * these are dates: Date.parse reads almost anything as one ("5, 5" is 5 May 2001), a wait in the past.
 */
const HTTP_DATE =
  /^(?:[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})/;

/**
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). Returns whole seconds to wait
 * (0 for a date in the past), or undefined when the header is absent or unreadable. The header sent twice (a front
 * adding its own) arrives joined, "5, 5": its first value counts.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  const seconds = /^(\d+(?:\.\d+)?)\s*(?:,|$)/.exec(raw);
  if (seconds) return Math.ceil(Number(seconds[1]));
  const date = HTTP_DATE.exec(raw)?.[0];
  if (date === undefined) return undefined;
  const at = Date.parse(date.endsWith('GMT') ? date : `${date} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Partner Center's 429 body says "Try again in 57 seconds." even when a proxy drops the header;
 * used only as a fallback.
 */
export function retryAfterFromMessage(message: string | undefined): number | undefined {
  const match = message && /try again in (\d+) seconds?/i.exec(message);
  return match ? Number(match[1]) : undefined;
}
