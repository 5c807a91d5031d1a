import type { AuditTrail, BudgetChange } from '../../../src/audit/audit-trail';
import {
  PartnerCenterError,
  type UpstreamFailure,
} from '../../../src/partner-center/errors/partner-center-error';
import type { PartnerCenterClient } from '../../../src/partner-center/partner-center.client';
import type { PartnerCenterSpendingBudget } from '../../../src/partner-center/spending-budget';
import type { RequestContext } from '../../../src/request-context/request-context';
import { MemorySharedState } from '../../../src/shared-state/memory-shared-state';
import type { SharedState } from '../../../src/shared-state/shared-state';
import type { BudgetReads } from '../../../src/usage-budget/reads/budget-reads';
import { BudgetWrites } from '../../../src/usage-budget/writes/budget-writes';
import { replicaView } from '../../support/replica-view';

const CUSTOMER = 'c0000001-0000-4000-8000-0000000000e1';
const KEY = '6f1d2c3b-4a59-4f68-8d7e-9c0b1a2f3e4d';

type Refusal = Omit<UpstreamFailure, 'source' | 'attempts'>;
const BAD_AMOUNT: Refusal = { kind: 'refused', status: 400, code: 400, description: 'not a valid amount' };
const THROTTLED: Refusal = { kind: 'rate-limited', status: 429, retryAfterSeconds: 30 };
const BEING_PROCESSED: Refusal = {
  kind: 'refused',
  status: 409,
  code: 409,
  description: 'A request with this MS-RequestId is being processed',
};

/** One PATCH as Partner Center received it, answered when the test says so. */
interface Patch {
  amount: number;
  requestId: string;
  /** Which caller's request sent it (its MS-CorrelationId). */
  from: string;
  /** The gateway sent it as a retry after a call under the key that may have been applied. */
  maybeApplied: boolean;
  answer(outcome: { budget: PartnerCenterSpendingBudget } | { error: Error }): void;
}

/**
 * Partner Center as the write protocol sees it through the client: every PATCH waits for the test to answer it, so
 * the test sets the order of answers. A refusal of a PATCH the gateway sent as a retry after a call that may have
 * been applied reaches the protocol as the client gives it: outcome unknown (the client's own rule).
 */
class ScriptedPartnerCenter {
  amount: number | null = 100;
  readonly patches: Patch[] = [];
  private readonly arrivals: Array<{ nth: number; arrived: (patch: Patch) => void }> = [];

  readonly client = {
    updateUsageBudget: (
      _customerId: string,
      amount: number,
      requestId: string,
      context: RequestContext,
      maybeApplied = false,
    ) =>
      new Promise<PartnerCenterSpendingBudget>((resolve, reject) => {
        const patch: Patch = {
          amount,
          requestId,
          from: context.correlationId,
          maybeApplied,
          answer: (outcome) => ('budget' in outcome ? resolve(outcome.budget) : reject(outcome.error)),
        };
        this.patches.push(patch);
        for (const waiting of this.arrivals) if (waiting.nth === this.patches.length) waiting.arrived(patch);
      }),
    confirmUsageBudget: async () => this.budget(),
  } as unknown as PartnerCenterClient;

  /** The nth PATCH (from 1), once the gateway has sent it. */
  patch(nth: number): Promise<Patch> {
    const sent = this.patches[nth - 1];
    if (sent) return Promise.resolve(sent);
    return new Promise((arrived) => this.arrivals.push({ nth, arrived }));
  }

  apply(patch: Patch): void {
    this.amount = patch.amount;
    patch.answer({ budget: this.budget() });
  }

  refuse(patch: Patch, refusal: Refusal): void {
    const failure = {
      ...refusal,
      source: 'partner-center' as const,
      requestId: patch.requestId,
      attempts: 1,
    };
    patch.answer({
      error: new PartnerCenterError(
        patch.maybeApplied
          ? { ...failure, kind: 'outcome-unknown', code: undefined, description: undefined }
          : failure,
      ),
    });
  }

  budget(): PartnerCenterSpendingBudget {
    return { amount: this.amount };
  }
}

/**
 * Replicas of the gateway over one store standing in for Redis, each with its own BudgetWrites. `holdFirstReads(n)`:
 * the next n reads of a key's record are all answered before any of them returns, as n requests arriving at once on
 * several replicas all read the record before any writes it.
 */
function fleet(replicaCount = 2) {
  const store = new MemorySharedState();
  const upstream = new ScriptedPartnerCenter();
  const audited: BudgetChange[] = [];
  const audit = { budgetChanged: (change: BudgetChange) => audited.push(change) } as unknown as AuditTrail;
  const reads = { known: () => undefined, invalidate: async () => undefined } as unknown as BudgetReads;
  let barrier: { waiting: number; everyoneRead: Promise<void>; allRead: () => void } | undefined;
  const holdFirstReads = (count: number) => {
    let allRead!: () => void;
    const everyoneRead = new Promise<void>((resolve) => (allRead = resolve));
    barrier = { waiting: count, everyoneRead, allRead };
  };
  const view = (): SharedState =>
    replicaView(store, {
      setIfAbsent: async (key, value, ttlMs) => {
        const held = await store.setIfAbsent(key, value, ttlMs);
        const gate = barrier;
        if (gate && /^writes:[^:]+$/.test(key)) {
          gate.waiting -= 1;
          if (gate.waiting === 0) {
            barrier = undefined;
            gate.allRead();
          }
          await gate.everyoneRead;
        }
        return held;
      },
    });
  const replicas = Array.from(
    { length: replicaCount },
    () => new BudgetWrites(upstream.client, reads, audit, view()),
  );
  const change = (replica: number, amount: number, from: string, key = KEY) =>
    replicas[replica].change(CUSTOMER, amount, key, { correlationId: from });
  /** One more replica, on a view of the store the test makes. */
  const replicaOn = (shared: SharedState) => new BudgetWrites(upstream.client, reads, audit, shared);
  return { store, upstream, audited, holdFirstReads, change, replicaOn };
}

const outcomeUnknown = (retryAfterSeconds?: number) =>
  expect.objectContaining({
    kind: 'outcome-unknown',
    idempotencyKey: KEY,
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
  });

describe("a change's idempotency key under concurrent calls (the write protocol)", () => {
  it('passes on the refusal of a call that was alone under its key, and takes the next retry as the only call', async () => {
    const { upstream, change } = fleet();
    const first = change(0, 700, 'first');
    upstream.refuse(await upstream.patch(1), BAD_AMOUNT);
    await expect(first).rejects.toMatchObject({ kind: 'refused', status: 400 });
    const retry = change(1, 700, 'retry');
    const sent = await upstream.patch(2);
    expect(sent.maybeApplied).toBe(false);
    upstream.refuse(sent, BAD_AMOUNT);
    await expect(retry).rejects.toMatchObject({ kind: 'refused', status: 400 });
  });

  it('lets one of two retries arriving at once after a refusal go as the only call; the other follows it', async () => {
    const { upstream, holdFirstReads, change } = fleet();
    const first = change(0, 700, 'first');
    upstream.refuse(await upstream.patch(1), BAD_AMOUNT);
    await expect(first).rejects.toMatchObject({ kind: 'refused' });

    // Two retries under the key at once, on two replicas: both read the "not applied" record before either claims.
    holdFirstReads(2);
    const calls: Record<string, Promise<PartnerCenterSpendingBudget>> = {
      a: change(0, 700, 'a'),
      b: change(1, 700, 'b'),
    };
    const sent = [await upstream.patch(2), await upstream.patch(3)];
    const alone = sent.find((patch) => !patch.maybeApplied) ?? sent[0];
    const follower = sent.find((patch) => patch !== alone)!;

    // The one sent as the only call is throttled: its 429 says its own request was not applied, not that the change
    // was not (the other call is under way under the same MS-RequestId).
    upstream.refuse(alone, THROTTLED);
    await expect(calls[alone.from]).rejects.toEqual(outcomeUnknown(30));
    // Only one of the two went as the only call.
    expect(follower.maybeApplied).toBe(true);

    // A third retry meanwhile is read the same way, never answered "not applied".
    const third = change(0, 700, 'c');
    const thirdSent = await upstream.patch(4);
    expect(thirdSent.maybeApplied).toBe(true);
    upstream.refuse(thirdSent, THROTTLED);
    await expect(third).rejects.toEqual(outcomeUnknown(30));

    // The call still under way applies the change: no caller was told it was not applied.
    upstream.apply(follower);
    await expect(calls[follower.from]).resolves.toMatchObject({ amount: 700 });
    await expect(change(1, 700, 'later')).resolves.toMatchObject({ amount: 700 });
    expect(upstream.patches).toHaveLength(4);
  });

  it("reports a first call refused behind a retry that applied the change as applied, and keeps the change's record", async () => {
    const { upstream, audited, change } = fleet();
    const first = change(0, 701, 'first');
    const firstSent = await upstream.patch(1);
    expect(firstSent.maybeApplied).toBe(false);
    // Its caller gave up waiting and retried on another replica; that request reached Partner Center first.
    const retry = change(1, 701, 'retry');
    const retrySent = await upstream.patch(2);
    expect(retrySent.maybeApplied).toBe(true);
    upstream.apply(retrySent);
    await expect(retry).resolves.toMatchObject({ amount: 701 });
    // The first request, behind it, is refused: "being processed".
    upstream.refuse(firstSent, BEING_PROCESSED);
    await expect(first).resolves.toMatchObject({ amount: 701 });
    // The change stays on record: the next retry is answered from it, nothing sent again; reported once.
    await expect(change(0, 701, 'later')).resolves.toMatchObject({ amount: 701 });
    expect(upstream.patches).toHaveLength(2);
    expect(audited.filter((event) => event.outcome === 'success')).toHaveLength(1);
  });

  it('answers a first call refused while a retry under its key is under way OUTCOME_UNKNOWN, and the next retry too', async () => {
    const { upstream, change } = fleet();
    const first = change(0, 702, 'first');
    const firstSent = await upstream.patch(1);
    const retry = change(1, 702, 'retry');
    const retrySent = await upstream.patch(2);
    upstream.refuse(firstSent, BEING_PROCESSED);
    await expect(first).rejects.toEqual(outcomeUnknown());

    const next = change(0, 702, 'next');
    const nextSent = await upstream.patch(3);
    expect(nextSent.maybeApplied).toBe(true);
    upstream.refuse(nextSent, BEING_PROCESSED);
    await expect(next).rejects.toEqual(outcomeUnknown());

    upstream.apply(retrySent);
    await expect(retry).resolves.toMatchObject({ amount: 702 });
  });

  it("keeps a key that answered another amount on record when a retry came under it meanwhile: OUTCOME_UNKNOWN, not 'another change'", async () => {
    const { upstream, store, change } = fleet();
    const first = change(0, 703, 'first');
    const firstSent = await upstream.patch(1);
    const retry = change(1, 703, 'retry');
    await upstream.patch(2);
    // Partner Center replays an earlier change under this MS-RequestId (the gateway lost its record of it).
    firstSent.answer({ budget: { amount: 55 } });
    await expect(first).rejects.toEqual(outcomeUnknown());
    expect(await store.get(`writes:${firstSent.requestId}`)).toBeDefined();
    upstream.patches[1].answer({ budget: { amount: 55 } });
    await expect(retry).rejects.toEqual(outcomeUnknown());
  });

  it('takes a retry that read the key not applied but lost Redis before claiming it as unsettled', async () => {
    const { store, upstream, change, replicaOn } = fleet();
    const first = change(0, 705, 'first');
    upstream.refuse(await upstream.patch(1), BAD_AMOUNT);
    await expect(first).rejects.toMatchObject({ kind: 'refused' });
    // Redis answers this replica's read of the record, then stalls: what follows goes to its own memory.
    let away: MemorySharedState | undefined;
    const stalling = replicaView(store, {
      setIfAbsent: async (key, value, ttlMs) => {
        const held = await (away ?? store).setIfAbsent(key, value, ttlMs);
        if (/^writes:[^:]+$/.test(key)) away ??= new MemorySharedState();
        return held;
      },
      set: (key, value, ttlMs) => (away ?? store).set(key, value, ttlMs),
      replaceIf: (key, expected, value, ttlMs) => (away ?? store).replaceIf(key, expected, value, ttlMs),
      deleteIf: (key, expected) => (away ?? store).deleteIf(key, expected),
    });
    Object.defineProperty(stalling, 'degraded', { get: () => away !== undefined });
    const retry = replicaOn(stalling).change(CUSTOMER, 705, KEY, { correlationId: 'retry' });
    // The fleet never saw its claim: another retry may go as the key's only call meanwhile. This one proves nothing.
    const sent = await upstream.patch(2);
    expect(sent.maybeApplied).toBe(true);
    upstream.refuse(sent, THROTTLED);
    await expect(retry).rejects.toEqual(outcomeUnknown(30));
  });

  it('sends nothing when other calls under the key keep moving its record, and says the outcome is unknown', async () => {
    const store = new MemorySharedState();
    const upstream = new ScriptedPartnerCenter();
    const audited: BudgetChange[] = [];
    let moves = 0;
    // Every claim this replica tries finds the record moved by another call just before it.
    const crowded = replicaView(store, {
      replaceIf: async (key, expected, value, ttlMs) => {
        await store.set(
          key,
          JSON.stringify({ customerId: CUSTOMER, amount: 704, claim: `other-${++moves}` }),
          ttlMs,
        );
        return store.replaceIf(key, expected, value, ttlMs);
      },
    });
    const writes = new BudgetWrites(
      upstream.client,
      { known: () => undefined, invalidate: async () => undefined } as unknown as BudgetReads,
      { budgetChanged: (change: BudgetChange) => audited.push(change) } as unknown as AuditTrail,
      crowded,
    );
    const other = writes.change(CUSTOMER, 704, KEY, { correlationId: 'first' });
    // The first call claims the key (nothing held yet) and is under way.
    await upstream.patch(1);
    const crowdedCall = writes.change(CUSTOMER, 704, KEY, { correlationId: 'crowded' });
    const firstToHappen = await Promise.race([
      crowdedCall.then(
        () => 'answered',
        () => 'answered',
      ),
      upstream.patch(2).then(() => 'sent'),
    ]);
    expect(firstToHappen).toBe('answered');
    await expect(crowdedCall).rejects.toEqual(outcomeUnknown());
    expect(upstream.patches).toHaveLength(1);
    expect(audited).toEqual([expect.objectContaining({ outcome: 'unknown' })]);
    upstream.apply(upstream.patches[0]);
    await expect(other).resolves.toMatchObject({ amount: 704 });
  });
});
