import type { LoggedRequest, LogTarget } from './types';
import type { SandboxRequest } from './http/exchange';

export const DEFAULT_REQUEST_LOG_LIMIT = 10_000;

const TARGETS: readonly LogTarget[] = ['partner-center', 'token', 'metadata', 'admin', 'other'];

/**
 * The latest requests the sandbox saw, unredacted (it is a test tool), with a retry counter per MS-RequestId.
 * Only the last `limit` entries are kept, so a load test cannot grow it without bound; the counters stay exact.
 */
export class RequestLog {
  private records: LoggedRequest[] = [];
  /** Index of the oldest record: dropping from the front of a ring is O(1), unlike Array.shift. */
  private start = 0;
  private seq = 0;
  private attemptsByRequestId = new Map<string, number>();
  private counts = zeroCounts();

  constructor(private readonly limit = DEFAULT_REQUEST_LOG_LIMIT) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`requestLogLimit must be a positive integer, got ${limit}`);
  }

  record(target: LogTarget, request: SandboxRequest): LoggedRequest {
    this.counts[target]++;
    const requestId = request.headers['ms-requestid'];
    const attempt = requestId ? this.countAttempt(requestId) : 1;
    const query = request.query.toString();
    const path = query ? `${request.path}?${query}` : request.path;
    const entry: LoggedRequest = {
      seq: ++this.seq,
      at: new Date().toISOString(),
      target,
      method: request.method,
      path,
      headers: { ...request.headers },
      body: request.body,
      attempt,
    };
    if (this.records.length < this.limit) this.records.push(entry);
    else {
      this.records[this.start] = entry;
      this.start = (this.start + 1) % this.limit;
    }
    return entry;
  }

  /** The kept entries, oldest first. */
  entries(filter: { target?: string } = {}): LoggedRequest[] {
    const ordered = [...this.records.slice(this.start), ...this.records.slice(0, this.start)];
    return ordered.filter((r) => !filter.target || r.target === filter.target).map((r) => ({ ...r }));
  }

  /** Requests seen since the last reset, in total and per target, kept in the log or not. */
  requestCounts(): { total: number; byTarget: Record<LogTarget, number> } {
    const byTarget = { ...this.counts };
    return { total: TARGETS.reduce((sum, t) => sum + byTarget[t], 0), byTarget };
  }

  /** Clears the entries and the attempt counters; the request counters are cleared by reset() only. */
  clear(): void {
    this.records = [];
    this.start = 0;
    this.attemptsByRequestId.clear();
  }

  reset(): void {
    this.clear();
    this.counts = zeroCounts();
  }

  /** Retries follow their first attempt closely, so remembering as many request ids as the log keeps is enough. */
  private countAttempt(requestId: string): number {
    const attempt = (this.attemptsByRequestId.get(requestId) ?? 0) + 1;
    this.attemptsByRequestId.delete(requestId);
    this.attemptsByRequestId.set(requestId, attempt);
    if (this.attemptsByRequestId.size > Math.max(this.limit, DEFAULT_REQUEST_LOG_LIMIT)) {
      const oldest = this.attemptsByRequestId.keys().next().value;
      if (oldest !== undefined) this.attemptsByRequestId.delete(oldest);
    }
    return attempt;
  }
}

function zeroCounts(): Record<LogTarget, number> {
  return Object.fromEntries(TARGETS.map((t) => [t, 0])) as Record<LogTarget, number>;
}
