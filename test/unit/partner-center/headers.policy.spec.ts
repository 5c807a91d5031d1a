import { bearerTokenPolicy } from '../../../src/partner-center/pipeline/bearer-token.policy';
import { correlationPolicy } from '../../../src/partner-center/pipeline/correlation.policy';
import { createPipeline, PipelineRequest, SendRequest } from '../../../src/partner-center/pipeline/pipeline';
import { requestIdPolicy } from '../../../src/partner-center/pipeline/request-id.policy';
import { standardHeadersPolicy } from '../../../src/partner-center/pipeline/standard-headers.policy';
import { retryPolicy } from '../../../src/partner-center/pipeline/retry.policy';
import type { RetryOptions } from '../../../src/partner-center/partner-center.options';

const call = (overrides: Partial<PipelineRequest> = {}): PipelineRequest => ({
  method: 'GET',
  url: 'https://pc/x',
  requestId: '0f0e0d0c-0b0a-4908-8706-050403020100',
  headers: {},
  state: {},
  ...overrides,
});

function recording(statuses: number[] = [200]): { send: SendRequest; seen: PipelineRequest[] } {
  const seen: PipelineRequest[] = [];
  return {
    seen,
    send: async (request) => {
      seen.push({ ...request, headers: { ...request.headers } });
      return { status: statuses[Math.min(seen.length - 1, statuses.length - 1)], headers: {}, body: '{}' };
    },
  };
}

const tokens = (...values: string[]) => {
  const calls: Array<{ forceRefresh?: boolean }> = [];
  let i = 0;
  return {
    calls,
    getToken: async (o: { forceRefresh?: boolean } = {}) => (
      calls.push(o),
      values[Math.min(i++, values.length - 1)]
    ),
  };
};

describe('header stamping', () => {
  it("stamps every header Partner Center documents, with the inbound request's correlation id", async () => {
    const { send, seen } = recording();
    const pipeline = createPipeline(
      [
        requestIdPolicy(),
        correlationPolicy(),
        standardHeadersPolicy({ applicationName: 'billing-gw', locale: 'en-US' }),
        bearerTokenPolicy(tokens('t1')),
      ],
      send,
    );
    await pipeline(
      call({
        method: 'PATCH',
        body: '{}',
        requestId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
        context: { correlationId: '6b3a8c4e-8f0e-4e4a-9a59-2f1f0e9d1c11' },
      }),
    );
    expect(seen[0].headers).toEqual({
      'MS-RequestId': '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
      'MS-CorrelationId': '6b3a8c4e-8f0e-4e4a-9a59-2f1f0e9d1c11',
      'MS-Contract-Version': 'v1',
      'MS-PartnerCenter-Application': 'billing-gw',
      'X-Locale': 'en-US',
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Authorization: 'Bearer t1',
    });
  });

  it('makes a correlation id when there is no inbound request', async () => {
    const { send, seen } = recording();
    await createPipeline([correlationPolicy()], send)(call());
    expect(seen[0].headers['MS-CorrelationId']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends no Content-Type on a GET', async () => {
    const { send, seen } = recording();
    await createPipeline([standardHeadersPolicy({ applicationName: 'a', locale: 'en-US' })], send)(call());
    expect(seen[0].headers['Content-Type']).toBeUndefined();
  });
});

const fast: RetryOptions = {
  maxAttempts: 4,
  attemptTimeoutMs: 1_000,
  deadlineMs: 5_000,
  baseDelayMs: 1,
  maxDelayMs: 5,
  maxRetryAfterSeconds: 2,
};

describe('bearer token policy, inside the retry policy', () => {
  it('refreshes the token once after a 401 and sends once more with the new one', async () => {
    const { send, seen } = recording([401, 200]);
    const source = tokens('stale', 'fresh');
    const response = await createPipeline([retryPolicy(fast), bearerTokenPolicy(source)], send)(call());
    expect(response.status).toBe(200);
    expect(seen.map((r) => r.headers.Authorization)).toEqual(['Bearer stale', 'Bearer fresh']);
    expect(source.calls).toEqual([{}, { forceRefresh: true }]);
  });

  it('returns the second 401 instead of looping', async () => {
    const { send, seen } = recording([401]);
    const response = await createPipeline(
      [retryPolicy(fast), bearerTokenPolicy(tokens('a', 'b', 'c'))],
      send,
    )(call());
    expect(response.status).toBe(401);
    expect(response.attempts).toBe(2);
    expect(seen).toHaveLength(2);
  });

  it('counts the refresh after a 401 as one of the attempts: a 401 then 503s stop at maxAttempts', async () => {
    const { send, seen } = recording([401, 503]);
    const source = tokens('stale', 'fresh');
    const response = await createPipeline([retryPolicy(fast), bearerTokenPolicy(source)], send)(call());
    expect(response.status).toBe(503);
    expect(response.attempts).toBe(4);
    expect(seen).toHaveLength(4);
    expect(source.calls).toEqual([{}, { forceRefresh: true }, {}, {}]);
  });
});

describe('bearer token policy, on answers that quote the token', () => {
  const answering =
    (status: number, body: string): SendRequest =>
    async () => ({ status, headers: {}, body });

  it('cuts the very token out of an error answer, whatever its shape', async () => {
    const token = 'opaque-token-0123456789abcdef';
    const pipeline = createPipeline(
      [bearerTokenPolicy(tokens(token))],
      answering(400, `{"description":"token ${token} rejected; again: ${token}"}`),
    );
    const response = await pipeline(call());
    expect(response.body).toBe('{"description":"token [REDACTED] rejected; again: [REDACTED]"}');
  });

  it('leaves a success untouched', async () => {
    const body = '{"amount":100,"note":"opaque-token-0123456789abcdef"}';
    const pipeline = createPipeline(
      [bearerTokenPolicy(tokens('opaque-token-0123456789abcdef'))],
      answering(200, body),
    );
    expect((await pipeline(call())).body).toBe(body);
  });
});
