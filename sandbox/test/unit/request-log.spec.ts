import type { SandboxRequest } from '../../src/http/exchange';
import { RequestLog } from '../../src/request-log';

const request = (path: string, headers: Record<string, string> = {}): SandboxRequest => ({
  method: 'GET',
  path,
  query: new URLSearchParams(),
  headers,
  body: '',
});

describe('RequestLog', () => {
  it('keeps only the latest entries, oldest first, while the counters stay exact', () => {
    const log = new RequestLog(3);
    for (let i = 1; i <= 7; i++) log.record(i % 2 ? 'partner-center' : 'token', request(`/r${i}`));
    expect(log.entries().map((e) => [e.seq, e.path])).toEqual([
      [5, '/r5'],
      [6, '/r6'],
      [7, '/r7'],
    ]);
    expect(log.entries({ target: 'token' }).map((e) => e.path)).toEqual(['/r6']);
    expect(log.requestCounts()).toMatchObject({ total: 7, byTarget: { 'partner-center': 4, token: 3 } });
  });

  it('clear() empties the entries, reset() the counters too', () => {
    const log = new RequestLog(2);
    log.record('admin', request('/a'));
    log.clear();
    expect(log.entries()).toEqual([]);
    expect(log.requestCounts().total).toBe(1);
    log.reset();
    expect(log.requestCounts().total).toBe(0);
  });

  it('still counts attempts per MS-RequestId after older entries have left the log', () => {
    const log = new RequestLog(1);
    log.record('partner-center', request('/x', { 'ms-requestid': 'r1' }));
    log.record('partner-center', request('/y'));
    expect(log.record('partner-center', request('/x', { 'ms-requestid': 'r1' })).attempt).toBe(2);
  });

  it('refuses a limit below 1', () => {
    expect(() => new RequestLog(0)).toThrow(/requestLogLimit/);
  });
});
