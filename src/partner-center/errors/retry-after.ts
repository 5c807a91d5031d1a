/**
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). Returns whole seconds to wait
 * (0 for a date in the past), or undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^\d+\.\d+$/.test(raw)) return Math.ceil(Number(raw));
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Partner Center's 429 body says "Try again in 57 seconds." even when a proxy drops the header;
 * used only as a fallback.
 */
export function retryAfterFromMessage(message: string | undefined): number | undefined {
  const match = message && /try again in (\d+) seconds?/i.exec(message);
  return match ? Number(match[1]) : undefined;
}
