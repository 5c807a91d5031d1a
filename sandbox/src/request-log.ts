import type { LoggedRequest, LogTarget } from './types';
import type { SandboxRequest } from './http/exchange';

/** Every request the sandbox saw, unredacted (it is a test tool), with a retry counter per MS-RequestId. */
export class RequestLog {
  private records: LoggedRequest[] = [];
  private seq = 0;
  private attemptsByRequestId = new Map<string, number>();

  record(target: LogTarget, request: SandboxRequest): LoggedRequest {
    const requestId = request.headers['ms-requestid'];
    const attempt = requestId ? (this.attemptsByRequestId.get(requestId) ?? 0) + 1 : 1;
    if (requestId) this.attemptsByRequestId.set(requestId, attempt);
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
    this.records.push(entry);
    return entry;
  }

  entries(filter: { target?: string } = {}): LoggedRequest[] {
    return this.records.filter((r) => !filter.target || r.target === filter.target).map((r) => ({ ...r }));
  }

  clear(): void {
    this.records = [];
    this.attemptsByRequestId.clear();
  }
}
