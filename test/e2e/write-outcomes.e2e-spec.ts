import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { HostilePartnerCenter, startHostilePartnerCenter } from '../support/hostile-partner-center';
import { startRedis, TestRedis } from '../support/redis-server';
import { startGateway, StartOptions, TestGateway } from './support/gateway';
import { GUID, SET_BUDGET } from './support/ids';
import { seeded } from './support/seeded';

const CUSTOMER = 'b2c3d4e5-0000-4000-8000-0000000000d2';
const BUDGET = `/v1/customers/${CUSTOMER}/usagebudget`;

/** One MS-RequestId as Partner Center's idempotency layer keeps it. */
interface KeptChange {
  amount: number;
  done: boolean;
}

/**
 * Partner Center keeping the contract's idempotency promise (MS-RequestId is the key), as a real service with an
 * idempotency layer does: a new id is processed (for `processingMs`), then applied and answered; the same id again
 * while it is processed is refused with 409, and after it is replayed (the answer recorded, not applied again).
 * `misbehave` may take over the answer of a PATCH after it was applied, or of a GET.
 */
class IdempotentPartnerCenter {
  readonly kept = new Map<string, KeptChange>();
  /** Every change Partner Center applied, in order: the truth the gateway's answers are checked against. */
  readonly applied: number[] = [];
  processingMs = 0;
  /** PATCHes refused (400, a value this customer does not take) before any processing: nothing kept, nothing applied. */
  refusals = 0;
  misbehave?: (request: { method: string; nth: number }, response: ServerResponse) => boolean;
  /** May take over the answer of a PATCH before anything is processed (nothing kept, nothing applied). */
  before?: (response: ServerResponse) => boolean;
  /** How long the next new change takes to process, when it varies. */
  processing?: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly fake: HostilePartnerCenter) {}

  install(): void {
    const budgetBody = () => JSON.stringify(this.fake.amounts.size ? this.budget() : {});
    let nth = 0;
    this.fake.answer = (request, response) => {
      nth += 1;
      const answer = (status: number, body: string) => {
        if (response.destroyed || response.headersSent) return;
        response.writeHead(status, { 'Content-Type': 'application/json' });
        response.end(body);
      };
      if (request.method === 'GET') {
        if (this.misbehave?.({ method: 'GET', nth }, response)) return;
        return answer(200, budgetBody());
      }
      if (this.before?.(response)) return;
      if (this.refusals > 0) {
        this.refusals -= 1;
        return answer(400, '{"code":400,"description":"The amount is not valid for this customer"}');
      }
      const id = String(request.headers['ms-requestid']);
      const amount = (JSON.parse(request.body) as { Amount: number }).Amount;
      const kept = this.kept.get(id);
      if (kept && !kept.done) {
        return answer(
          409,
          '{"code":409,"description":"A request with this MS-RequestId is being processed"}',
        );
      }
      if (kept) return answer(200, JSON.stringify({ ...this.budget(), amount: kept.amount }));
      const change: KeptChange = { amount, done: false };
      this.kept.set(id, change);
      const apply = () => {
        this.fake.amounts.set(CUSTOMER, amount);
        this.applied.push(amount);
        change.done = true;
        if (this.misbehave?.({ method: 'PATCH', nth }, response)) return;
        answer(200, budgetBody());
      };
      const processingMs = this.processing?.() ?? this.processingMs;
      if (processingMs === 0) return apply();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        apply();
      }, processingMs);
      this.timers.add(timer);
    };
  }

  budget(): Record<string, unknown> {
    const amount = this.fake.amounts.get(CUSTOMER) ?? null;
    return { amount, usageSpendingBudget: amount, attributes: { objectType: 'SpendingBudget' } };
  }

  /** Resolves once every change under way was applied (bounded: processing takes `processingMs`). */
  async settled(): Promise<void> {
    for (let i = 0; i < 100 && [...this.kept.values()].some((c) => !c.done); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.kept.clear();
    this.applied.length = 0;
    this.processingMs = 0;
    this.refusals = 0;
    this.before = undefined;
    this.processing = undefined;
    this.misbehave = undefined;
    this.fake.reset();
    this.fake.amounts.set(CUSTOMER, 100);
    this.install();
  }
}

/**
 * A gateway in front of `fake` whose attempts are short (a change Partner Center takes 3 s to process outlives the
 * gateway's call) and whose circuit stays closed; `retry` and `env` change either.
 */
function startGatewayBefore(
  fake: HostilePartnerCenter,
  { retry, env }: Pick<StartOptions, 'retry' | 'env'> = {},
) {
  return startGateway({
    partnerCenter: fake.connection(),
    secrets: [fake.clientSecret],
    retry: {
      maxAttempts: 3,
      attemptTimeoutMs: 1_000,
      deadlineMs: 2_500,
      baseDelayMs: 10,
      maxDelayMs: 50,
      ...retry,
    },
    env: { PARTNER_CENTER_CIRCUIT_FAILURE_THRESHOLD: '1000', ...env },
  });
}

/**
 * Writes against an independent Partner Center that keeps its idempotency promise and misbehaves as real services
 * do: whatever it does, each change is applied at most once, and the caller is told truly whether it was applied,
 * not applied, or that the gateway cannot know (OUTCOME_UNKNOWN, with the key to retry with).
 */
describe('write outcomes against a misbehaving Partner Center', () => {
  let fake: HostilePartnerCenter;
  let partnerCenter: IdempotentPartnerCenter;
  let gateway: TestGateway;

  beforeAll(async () => {
    fake = await startHostilePartnerCenter();
    partnerCenter = new IdempotentPartnerCenter(fake);
    gateway = await startGatewayBefore(fake);
  });
  afterAll(async () => {
    partnerCenter?.reset();
    await gateway?.close();
    await fake?.close();
  });
  beforeEach(() => partnerCenter.reset());

  const patch = (amount: number, key: string, timeout?: number) =>
    gateway.http.patch(BUDGET, { amount }, { headers: { 'MS-RequestId': key }, ...(timeout && { timeout }) });
  const upstreamIds = () =>
    new Set(
      fake
        .requests()
        .filter((r) => r.method === 'PATCH')
        .map((r) => r.headers['ms-requestid']),
    );

  describe("a retry under the caller's key while its change is still being processed", () => {
    it('is not reported refused when the caller gave up waiting and retried (REST)', async () => {
      partnerCenter.processingMs = 600;
      const key = randomUUID();
      // The caller's own client gives up first and retries with its key, as the README tells it to.
      await expect(patch(700, key, 150)).rejects.toThrow();
      const retry = await patch(700, key);
      // Partner Center's 409 says "being processed": the change may be applied, so never "refused, not applied".
      expect([200, 504]).toContain(retry.status);
      if (retry.status === 504)
        expect(retry.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: key });
      await partnerCenter.settled();
      const last = await patch(700, key);
      expect(last.status).toBe(200);
      expect(last.data.amount).toBe(700);
      expect(partnerCenter.applied).toEqual([700]);
      expect(upstreamIds().size).toBe(1);
    });

    it('is not reported refused when it follows the OUTCOME_UNKNOWN the gateway answered (REST and GraphQL)', async () => {
      partnerCenter.processingMs = 3_000;
      const key = randomUUID();
      const first = await patch(701, key);
      expect(first.status).toBe(504);
      expect(first.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: key });
      // The retry the answer asks for, at once: Partner Center is still processing the first request.
      const rest = await patch(701, key);
      expect(rest.status).toBe(504);
      expect(rest.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: key });
      const gql = await gateway.graphql(SET_BUDGET, {
        input: { customerId: CUSTOMER, amount: 701, idempotencyKey: key },
      });
      expect(gql.errors?.[0].extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: key });
      await partnerCenter.settled();
      const last = await patch(701, key);
      expect(last.status).toBe(200);
      expect(last.data.amount).toBe(701);
      expect(partnerCenter.applied).toEqual([701]);
      expect(upstreamIds().size).toBe(1);
    });

    it("passes on Partner Center's refusal of a retry when the key's earlier call was refused too", async () => {
      partnerCenter.refusals = 2;
      const key = randomUUID();
      for (const answer of [await patch(702, key), await patch(702, key)]) {
        expect(answer.status).toBe(400);
        expect(answer.data).toMatchObject({ code: 'UPSTREAM_ERROR', partnerCenter: { status: 400 } });
      }
      // Refused, then accepted: the retry under the same key applies it, once.
      expect((await patch(702, key)).data.amount).toBe(702);
      expect(partnerCenter.applied).toEqual([702]);
    });
  });

  it('tells the caller when to retry a change Partner Center answered 503 with a Retry-After date', async () => {
    const until = new Date(Date.now() + 20_000).toUTCString();
    partnerCenter.misbehave = ({ method }, response) => {
      response.writeHead(503, { 'Content-Type': 'text/html', 'Retry-After': until });
      response.end(`<html><body>${method} unavailable</body></html>`);
      return true;
    };
    const rest = await gateway.http.patch(BUDGET, { amount: 703 });
    expect(rest.status).toBe(504);
    expect(rest.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: expect.stringMatching(GUID) });
    expect(Number(rest.headers['retry-after'])).toBeGreaterThanOrEqual(15);
    const gql = await gateway.graphql(SET_BUDGET, { input: { customerId: CUSTOMER, amount: 704 } });
    expect(gql.errors?.[0].extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN' });
    expect(gql.errors?.[0].extensions.retryAfterSeconds).toBeGreaterThanOrEqual(15);
  });

  it("reports a change applied whose 200 names the budget as it was before, the caller's key or not", async () => {
    // A front end's cache, or an answer read before the write landed: the change was made all the same.
    partnerCenter.misbehave = ({ method }, response) => {
      if (method !== 'PATCH') return false;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ ...partnerCenter.budget(), amount: 100 }));
      return true;
    };
    const keyed = await patch(740, randomUUID());
    expect(keyed.status).toBe(200);
    expect(keyed.data.amount).toBe(740);
    const gql = await gateway.graphql(SET_BUDGET, {
      input: { customerId: CUSTOMER, amount: 741, idempotencyKey: randomUUID() },
    });
    expect(gql.data?.updateUsageBudget.amount).toBe(741);
    const keyless = await gateway.http.patch(BUDGET, { amount: 742 });
    expect(keyless.data.amount).toBe(742);
    expect(partnerCenter.applied).toEqual([740, 741, 742]);
  });

  it.each([
    ['stops', 'stall'],
    ['loses its connection', 'drop'],
  ])(
    'applies a change once whose 200 arrives in part and then %s: the retry under its MS-RequestId is replayed',
    async (_name, how) => {
      partnerCenter.misbehave = ({ method }, response) => {
        if (method !== 'PATCH') return false;
        response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '200' });
        response.write('{"amount": 7');
        if (how === 'drop') setTimeout(() => response.socket?.destroy(), 20);
        return true;
      };
      const answer = await patch(705, randomUUID());
      expect(answer.status).toBe(200);
      expect(answer.data.amount).toBe(705);
      expect(partnerCenter.applied).toEqual([705]);
      expect(fake.requests().filter((r) => r.method === 'PATCH')).toHaveLength(2);
      expect(upstreamIds().size).toBe(1);
    },
  );

  it('applies concurrent changes of one customer under different keys once each, each told so', async () => {
    partnerCenter.processingMs = 100;
    const amounts = [801, 802, 803, 804, 805, 806];
    const answers = await Promise.all(amounts.map((amount) => patch(amount, randomUUID())));
    expect(answers.map((answer) => [answer.status, answer.data.amount])).toEqual(
      amounts.map((amount) => [200, amount]),
    );
    expect([...partnerCenter.applied].sort()).toEqual(amounts);
    expect(upstreamIds().size).toBe(amounts.length);
  });

  it('applies every change at most once and reports each truly, retried as told, through a seeded storm', async () => {
    const random = seeded(11);
    const fail = (response: ServerResponse, status: number, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'Content-Type': 'text/html', ...headers });
      response.end(`<html><body>${status}</body></html>`);
      return true;
    };
    const past = new Date(Date.now() - 60_000).toUTCString();
    partnerCenter.before = (response) => {
      const roll = random();
      if (roll < 0.1) return fail(response, 503, { 'Retry-After': past });
      if (roll < 0.2) return fail(response, 429, { 'Retry-After': '0' });
      return false;
    };
    // Some changes take longer than an attempt: their retries meet "being processed".
    partnerCenter.processing = () => (random() < 0.15 ? 1_300 : 0);
    partnerCenter.misbehave = ({ method }, response) => {
      const roll = random();
      if (method === 'GET') return roll < 0.2 && fail(response, 503);
      if (roll < 0.15) {
        response.socket?.destroy(); // applied, the answer lost
        return true;
      }
      if (roll < 0.25) return fail(response, 500); // applied, then an error
      return false;
    };

    const outcomes: Array<{ amount: number; statuses: number[]; codes: string[]; answered?: number }> = [];
    for (let i = 0; i < 25; i++) {
      const amount = 2_000 + i;
      const key = randomUUID();
      const statuses: number[] = [];
      const codes: string[] = [];
      let answer = await patch(amount, key);
      statuses.push(answer.status);
      codes.push(answer.data?.code ?? 'OK');
      // As the README tells a caller: OUTCOME_UNKNOWN, 503 and 429 are retried under the same key, after Retry-After.
      for (let retry = 0; retry < 6 && [429, 503, 504].includes(answer.status); retry++) {
        const wait = Math.min(200, 1_000 * Number(answer.headers['retry-after'] ?? 0));
        await new Promise((resolve) => setTimeout(resolve, wait + 20));
        answer = await patch(amount, key);
        statuses.push(answer.status);
        codes.push(answer.data?.code ?? 'OK');
      }
      outcomes.push({ amount, statuses, codes, answered: answer.data?.amount });
    }
    await partnerCenter.settled();

    for (const { amount, statuses, codes, answered } of outcomes) {
      const applied = partnerCenter.applied.filter((a) => a === amount).length;
      const final = statuses[statuses.length - 1];
      expect({ amount, applied: Math.min(applied, 2) }).toEqual({ amount, applied: Math.min(applied, 1) });
      expect({ amount, codes }).toEqual({
        amount,
        codes: codes.filter((c) => c !== 'INTERNAL_SERVER_ERROR'),
      });
      if (final === 200)
        expect({ amount, applied, answered }).toEqual({ amount, applied: 1, answered: amount });
      // This Partner Center refuses nothing for good: a final 4xx but 429 would be a refusal of a change it made.
      expect({ amount, final: final >= 400 && final < 500 && final !== 429 }).toEqual({
        amount,
        final: false,
      });
    }
    expect(outcomes.filter((o) => o.statuses.at(-1) === 200).length).toBeGreaterThan(15);
  });

  it('answers a retry under an unsettled key while the circuit is open OUTCOME_UNKNOWN, with when to retry', async () => {
    const breaking = await startGatewayBefore(fake, {
      retry: { maxAttempts: 2 },
      env: { PARTNER_CENTER_CIRCUIT_FAILURE_THRESHOLD: '1', PARTNER_CENTER_CIRCUIT_BREAK_MS: '20000' },
    });
    try {
      fake.answer = (_request, response) => {
        response.writeHead(503, { 'Content-Type': 'text/html' });
        response.end('<html>Service Unavailable</html>');
      };
      const key = randomUUID();
      const send = (amount: number, headers: Record<string, string> = {}) =>
        breaking.http.patch(BUDGET, { amount }, { headers });
      const first = await send(730, { 'MS-RequestId': key });
      expect(first.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: key });
      // The circuit is open now: a new change is refused, nothing sent: not applied, and it says when to come back.
      const sent = fake.requests().length;
      const fresh = await send(731);
      expect(fresh.status).toBe(503);
      expect(fresh.data.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(Number(fresh.headers['retry-after'])).toBeGreaterThan(0);
      // The first change's retry is refused by the circuit too, which says nothing of the first call's PATCHes.
      const retry = await send(730, { 'MS-RequestId': key });
      expect(retry.status).toBe(504);
      expect(retry.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: key });
      expect(Number(retry.headers['retry-after'])).toBeGreaterThan(0);
      expect(fake.requests()).toHaveLength(sent);
    } finally {
      await breaking.close();
    }
  });
});

describe('write outcomes on two replicas sharing Redis', () => {
  let redis: TestRedis;
  let fake: HostilePartnerCenter;
  let partnerCenter: IdempotentPartnerCenter;
  const replicas: TestGateway[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    fake = await startHostilePartnerCenter();
    partnerCenter = new IdempotentPartnerCenter(fake);
    for (let i = 0; i < 2; i++)
      replicas.push(await startGatewayBefore(fake, { env: { REDIS_URL: redis.url } }));
  });
  afterAll(async () => {
    partnerCenter?.reset();
    for (const replica of replicas) await replica.close();
    await fake?.close();
    await redis?.close();
  });
  beforeEach(() => partnerCenter.reset());

  it("answers a retry on another replica, while the first replica's change is processed, truly", async () => {
    partnerCenter.processingMs = 3_000;
    const key = randomUUID();
    const send = (replica: TestGateway) =>
      replica.http.patch(BUDGET, { amount: 720 }, { headers: { 'Idempotency-Key': key } });
    const first = await send(replicas[0]);
    expect(first.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: key });
    const retry = await send(replicas[1]);
    expect(retry.status).toBe(504);
    expect(retry.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: key });
    await partnerCenter.settled();
    const last = await send(replicas[1]);
    expect(last.status).toBe(200);
    expect(last.data.amount).toBe(720);
    expect(partnerCenter.applied).toEqual([720]);
  });

  it("does not report a first call refused behind its caller's retry on another replica as refused", async () => {
    const key = randomUUID();
    const [first, retry] = [randomUUID(), randomUUID()];
    const arrived = new Map<string, () => void>();
    const arrival = (correlationId: string) =>
      new Promise<void>((resolve) => arrived.set(correlationId, resolve));
    const held = new Map<string, ServerResponse>();
    const answer = (response: ServerResponse | undefined, status: number, body: string) => {
      if (!response || response.destroyed || response.headersSent) return;
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(body);
    };
    const budget = () => JSON.stringify(partnerCenter.budget());
    // Partner Center holds each PATCH until the test answers it: the first call's request waits at a front end, its
    // retry's reaches the idempotency layer before it and is processed.
    fake.answer = (request, response) => {
      if (request.method === 'GET') return answer(response, 200, budget());
      const from = String(request.headers['ms-correlationid']);
      held.set(from, response);
      arrived.get(from)?.();
    };
    const send = (replica: TestGateway, correlationId: string) =>
      replica.http.patch(
        BUDGET,
        { amount: 722 },
        { headers: { 'Idempotency-Key': key, 'MS-CorrelationId': correlationId } },
      );
    const firstArrived = arrival(first);
    const firstCall = send(replicas[0], first);
    await firstArrived;
    // The caller gave up waiting and retried on the other replica.
    const retryArrived = arrival(retry);
    const retryCall = send(replicas[1], retry);
    await retryArrived;
    // The first request reaches the idempotency layer behind the retry's: "being processed". It was not applied; the
    // change may be, by the retry.
    answer(
      held.get(first),
      409,
      '{"code":409,"description":"A request with this MS-RequestId is being processed"}',
    );
    const firstAnswer = await firstCall;
    expect(firstAnswer.status).toBe(504);
    expect(firstAnswer.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: key });
    // The retry's change is applied.
    fake.amounts.set(CUSTOMER, 722);
    answer(held.get(retry), 200, budget());
    expect((await retryCall).data.amount).toBe(722);
    const last = await send(replicas[0], randomUUID());
    expect(last.status).toBe(200);
    expect(last.data.amount).toBe(722);
    expect(fake.requests().filter((r) => r.method === 'PATCH')).toHaveLength(2);
  });

  it('answers that retry truly on the other replica while Redis is down, too (each replica in its own memory)', async () => {
    await redis.stop();
    try {
      partnerCenter.processingMs = 3_000;
      const key = randomUUID();
      const send = (replica: TestGateway) =>
        replica.http.patch(BUDGET, { amount: 721 }, { headers: { 'Idempotency-Key': key } });
      const first = await send(replicas[0]);
      expect(first.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: key });
      // The other replica cannot know the key was used: no answer of Partner Center's but the change is its answer.
      const retry = await send(replicas[1]);
      expect(retry.status).toBe(504);
      expect(retry.data).toMatchObject({ code: 'OUTCOME_UNKNOWN', idempotencyKey: key });
      await partnerCenter.settled();
      expect((await send(replicas[1])).data.amount).toBe(721);
      expect(partnerCenter.applied).toEqual([721]);
    } finally {
      await redis.start();
    }
  });
});
