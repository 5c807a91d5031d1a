import { randomUUID } from 'node:crypto';
import {
  createPipeline,
  PipelineRequest,
  PipelineResponse,
  SendRequest,
} from '../../../src/partner-center/pipeline/pipeline';
import { requestIdPolicy } from '../../../src/partner-center/pipeline/request-id.policy';
import {
  DeadlineExceededError,
  retryPolicy,
  RetryEvent,
} from '../../../src/partner-center/pipeline/retry.policy';
import { TransportError } from '../../../src/common/http/https-exchange';
import { RetryOptions } from '../../../src/partner-center/partner-center.options';

const fast: RetryOptions = {
  maxAttempts: 4,
  attemptTimeoutMs: 1_000,
  deadlineMs: 5_000,
  baseDelayMs: 1,
  maxDelayMs: 5,
  maxRetryAfterSeconds: 2,
};

function answers(...scripted: Array<Partial<PipelineResponse> | Error>): {
  send: SendRequest;
  seen: PipelineRequest[];
} {
  const seen: PipelineRequest[] = [];
  const send: SendRequest = async (request) => {
    seen.push({ ...request, headers: { ...request.headers } });
    const next = scripted[Math.min(seen.length - 1, scripted.length - 1)];
    if (next instanceof Error) throw next;
    return { status: 200, headers: {}, body: '{}', ...next };
  };
  return { send, seen };
}

const get = (): PipelineRequest => ({
  method: 'GET',
  url: 'https://pc.test/v1/customers/x/usagebudget',
  requestId: randomUUID(),
  headers: {},
  state: {},
});

describe('retry policy', () => {
  it.each([408, 429, 500, 502, 503, 504])(
    'retries a %i and returns the success that follows',
    async (status) => {
      const { send, seen } = answers({ status }, { status: 200 });
      const response = await createPipeline([retryPolicy(fast)], send)(get());
      expect(response.status).toBe(200);
      expect(response.attempts).toBe(2);
      expect(seen).toHaveLength(2);
    },
  );

  it.each([400, 401, 403, 404, 405, 409, 412, 501])('never retries a %i', async (status) => {
    const { send, seen } = answers({ status });
    const response = await createPipeline([retryPolicy(fast)], send)(get());
    expect(response.status).toBe(status);
    expect(seen).toHaveLength(1);
  });

  it('stops after maxAttempts and returns the last answer', async () => {
    const { send, seen } = answers({ status: 503 });
    const response = await createPipeline([retryPolicy(fast)], send)(get());
    expect(response.status).toBe(503);
    expect(response.attempts).toBe(4);
    expect(seen).toHaveLength(4);
  });

  it('retries connection errors and gives up with the attempts counted', async () => {
    const { send, seen } = answers(new TransportError('connection', 'ECONNRESET', 'reset'));
    const error = await createPipeline([retryPolicy(fast)], send)(get()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).attempts).toBe(4);
    expect(seen).toHaveLength(4);
  });

  it('keeps the same MS-RequestId on every retry of one call and makes a new one for the next call', async () => {
    const { send, seen } = answers({ status: 503 }, { status: 503 }, { status: 200 });
    const pipeline = createPipeline([requestIdPolicy(), retryPolicy(fast)], send);
    await pipeline(get());
    const firstCall = seen.map((r) => r.headers['MS-RequestId']);
    expect(new Set(firstCall).size).toBe(1);
    expect(firstCall[0]).toMatch(/^[0-9a-f-]{36}$/);
    await pipeline(get());
    expect(seen[3].headers['MS-RequestId']).not.toBe(firstCall[0]);
  });

  it('waits the Retry-After seconds of a 429 before the next attempt', async () => {
    const events: RetryEvent[] = [];
    const { send } = answers({ status: 429, headers: { 'retry-after': '1' } }, { status: 200 });
    const started = Date.now();
    await createPipeline([retryPolicy(fast, (e) => events.push(e))], send)(get());
    expect(events).toEqual([expect.objectContaining({ attempt: 1, delayMs: 1000, status: 429 })]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const events: RetryEvent[] = [];
    const inOneSecond = new Date(Date.now() + 1_500).toUTCString();
    const { send } = answers({ status: 503, headers: { 'retry-after': inOneSecond } }, { status: 200 });
    await createPipeline([retryPolicy(fast, (e) => events.push(e))], send)(get());
    expect(events[0].delayMs).toBeGreaterThanOrEqual(1000);
    expect(events[0].delayMs).toBeLessThanOrEqual(2000);
  });

  it("falls back to the 429 body's 'Try again in N seconds' when the header is missing", async () => {
    const events: RetryEvent[] = [];
    const body = JSON.stringify({
      statusCode: 429,
      message: 'Rate limit is exceeded. Try again in 1 seconds.',
    });
    const { send } = answers({ status: 429, body }, { status: 200 });
    await createPipeline([retryPolicy(fast, (e) => events.push(e))], send)(get());
    expect(events[0].delayMs).toBe(1000);
  });

  it('does not wait out a Retry-After above the cap: the 429 goes back at once', async () => {
    const { send, seen } = answers({ status: 429, headers: { 'retry-after': '120' } });
    const response = await createPipeline([retryPolicy(fast)], send)(get());
    expect(response.status).toBe(429);
    expect(seen).toHaveLength(1);
  });

  it('does not start a wait that would end past the deadline', async () => {
    const { send, seen } = answers({ status: 429, headers: { 'retry-after': '2' } });
    const response = await createPipeline(
      [retryPolicy({ ...fast, deadlineMs: 1_500, attemptTimeoutMs: 1_000 })],
      send,
    )(get());
    expect(response.status).toBe(429);
    expect(seen).toHaveLength(1);
  });

  it('cuts an attempt that hangs with the per-attempt timeout and retries it', async () => {
    let calls = 0;
    const timeouts: Array<number | undefined> = [];
    // Hangs the first time until its timeoutMs, which a transport enforces (httpsExchange's timer).
    const hangsOnce: SendRequest = (request) => {
      calls += 1;
      timeouts.push(request.timeoutMs);
      if (calls > 1) return Promise.resolve({ status: 200, headers: {}, body: '{}' });
      return timedOut(request);
    };
    const response = await createPipeline(
      [retryPolicy({ ...fast, attemptTimeoutMs: 100 })],
      hangsOnce,
    )(get());
    expect(response.status).toBe(200);
    expect(calls).toBe(2);
    expect(timeouts).toEqual([100, 100]);
  });

  it('ends a call that keeps hanging at the overall deadline', async () => {
    // Ignores its timeoutMs: the deadline alone must end the call.
    const hangs: SendRequest = () => new Promise(() => undefined);
    const started = Date.now();
    const error = await createPipeline(
      [retryPolicy({ ...fast, maxAttempts: 10, attemptTimeoutMs: 200, deadlineMs: 500 })],
      hangs,
    )(get()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("never lets an attempt's timeout reach past the call's deadline", async () => {
    const timeouts: number[] = [];
    // Each attempt times out at its timeoutMs, as httpsExchange's timer makes it.
    const timesOut: SendRequest = (request) => {
      timeouts.push(request.timeoutMs ?? Infinity);
      return timedOut(request);
    };
    const started = Date.now();
    const error = await createPipeline(
      [retryPolicy({ ...fast, maxAttempts: 10, attemptTimeoutMs: 300, deadlineMs: 500 })],
      timesOut,
    )(get()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(timeouts[0]).toBe(300);
    // The second attempt starts ~300 ms in: it gets only what is left of the 500 ms.
    expect(timeouts.length).toBeGreaterThanOrEqual(2);
    expect(timeouts[1]).toBeLessThanOrEqual(200);
    expect(timeouts[1]).toBeGreaterThan(0);
  });
});

/** An attempt that gets no answer: it ends at its timeoutMs, as httpsExchange's timer ends it. */
function timedOut(request: PipelineRequest): Promise<never> {
  return new Promise((_, reject) =>
    setTimeout(
      () => reject(new TransportError('aborted', 'ERR_CANCELED', 'aborted')),
      request.timeoutMs ?? 60_000,
    ),
  );
}
