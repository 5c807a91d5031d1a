import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../../common/invalid-input.error';
import type { PartnerCenterSpendingBudget } from '../../partner-center/spending-budget';
import type { SharedState } from '../../shared-state/shared-state';
import { sameChange } from '../idempotency';

/** How long a key's record is kept (on every replica): a caller's retries of one change come within a day. */
const WRITE_RECORD_MS = 24 * 60 * 60_000;

/**
 * How many times a claim reads the key's record again after another call moved it first. Each time is another call's
 * step (a claim or an end), so only many calls under one key at once use them all.
 */
const CLAIM_ROUNDS = 10;

/** The change a key names (claimed before the write is sent), and once applied what a replay answers. */
interface WriteRecord {
  customerId: string;
  amount: number;
  budget?: PartnerCenterSpendingBudget;
  /** The last call under the key was answered "not applied" (see recordNotApplied). */
  notApplied?: true;
  /** Names the call whose claim this is (random): only it moves the key on from here, and only while it is here. */
  claim?: string;
}

/** What claiming a key found. */
export interface Claim {
  /** The change was applied under the key before: what Partner Center answered then, replayed without asking again. */
  budget?: PartnerCenterSpendingBudget;
  /** An earlier call under the key may be under way, or have ended without knowing: see `WriteRecords.claim`. */
  unsettled: boolean;
  /** The record this call put on the key (its claim): what recordNotApplied and forget move the key on from. */
  mark?: string;
  /**
   * Other calls under the key kept moving its record before this one could claim it: nothing was sent, and the
   * outcome of the key's change is theirs to tell (OUTCOME_UNKNOWN, retry with the key later).
   */
  contended?: true;
}

/**
 * The records of the changes made under each upstream MS-RequestId, in the shared state (Redis with replicas): what
 * makes a caller's idempotency key name one change, applied once, across its retries and the fleet's replicas.
 * Every step moves a key's record on only from the record its call read (compare-and-set), so no call erases
 * another's: two calls under one key at once, on any replicas, never both take themselves for the only one.
 */
export class WriteRecords {
  constructor(private readonly shared: SharedState) {}

  /**
   * The first use of an upstream id claims it for its change, atomically, before anything is sent: the same key with
   * another change is refused, not applied, even while the first is under way. A change already applied under it is
   * answered from its record, without asking Partner Center again; the same change still under way (a concurrent
   * retry) goes too, under the same MS-RequestId: Partner Center applies it once.
   * That retry is `unsettled`: the earlier call may be under way still, or have ended without knowing (OUTCOME_UNKNOWN,
   * a caller that went away, a replica that died), so no refusal of the retry says the change was not made. It puts
   * its own claim on the key in the earlier one's place, so the earlier call finds its claim gone and knows it was
   * not alone either. Only an earlier call that Partner Center answered with "not applied", with no other call under
   * the key since, leaves the retry's own answer the answer: the one retry whose claim replaces that record.
   * While Redis is unreachable a replica claims in its own memory, where the fleet's earlier uses of the caller's key
   * are not seen: a claim made there proves no first use, and the change is taken to be unsettled.
   */
  async claim(requestId: string, customerId: string, amount: number, callersKey: boolean): Promise<Claim> {
    const key = recordKey(requestId);
    const mark = JSON.stringify({ customerId: customerId.toLowerCase(), amount, claim: randomUUID() });
    let degraded = false;
    let held = await this.shared.setIfAbsent(key, mark, WRITE_RECORD_MS);
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      degraded ||= this.shared.degraded;
      if (held === undefined) return { mark, unsettled: callersKey && degraded };
      const record = JSON.parse(held) as WriteRecord;
      if (!sameChange(record, { customerId, amount })) throw keyUsedForAnotherChange();
      if (record.budget) return { budget: record.budget, unsettled: false };
      if (await this.shared.replaceIf(key, held, mark, WRITE_RECORD_MS)) {
        degraded ||= this.shared.degraded;
        return { mark, unsettled: !record.notApplied || (callersKey && degraded) };
      }
      // Another call moved the record between this one's read and its claim: read what it holds now.
      held = await this.shared.setIfAbsent(key, mark, WRITE_RECORD_MS);
    }
    return { unsettled: true, contended: true };
  }

  /**
   * Records an applied change for its replays, and says whether this request is the first to find it applied: the
   * one whose success the audit trail reports. A retry of a change still under way is sent too, under the same
   * MS-RequestId, and Partner Center answers it with a replay of the one change it applied: without the shared
   * `reported` mark each of them, on any replica, would report that change again. Written whatever the record holds:
   * that the change was applied is what every call under the key must find from now on.
   */
  async recordApplied(
    requestId: string,
    customerId: string,
    amount: number,
    budget: PartnerCenterSpendingBudget,
  ): Promise<boolean> {
    const record: WriteRecord = { customerId: customerId.toLowerCase(), amount, budget };
    const [, alreadyReported] = await Promise.all([
      this.shared.set(recordKey(requestId), JSON.stringify(record), WRITE_RECORD_MS),
      this.shared.setIfAbsent(`${recordKey(requestId)}:reported`, '1', WRITE_RECORD_MS),
    ]);
    return alreadyReported === undefined;
  }

  /**
   * Partner Center refused the change, or it was never sent (an open circuit, a full queue, no token): it was not
   * applied, and the key's next use may take its own answer as the answer. Not for a retry of an unsettled change.
   * Recorded only while the key still holds this call's claim: false when another call under the key came meanwhile
   * (a retry, now under way or ended without knowing, or one that found the change applied), whose request may have
   * reached Partner Center first: this call's refusal then speaks for this call only.
   */
  async recordNotApplied(
    requestId: string,
    claim: Claim,
    customerId: string,
    amount: number,
  ): Promise<boolean> {
    const record: WriteRecord = { customerId: customerId.toLowerCase(), amount, notApplied: true };
    return (
      claim.mark !== undefined &&
      this.shared.replaceIf(recordKey(requestId), claim.mark, JSON.stringify(record), WRITE_RECORD_MS)
    );
  }

  /**
   * The key's next use is asked of Partner Center again, as a first use. Only while the key still holds this call's
   * claim (false otherwise): a call that came under the key meanwhile stays on record.
   */
  async forget(requestId: string, claim: Claim): Promise<boolean> {
    return claim.mark !== undefined && this.shared.deleteIf(recordKey(requestId), claim.mark);
  }
}

export function keyUsedForAnotherChange(): InvalidInputError {
  return new InvalidInputError([
    {
      field: 'idempotencyKey',
      message: 'this idempotency key was used for another change; use a new key for a new change',
    },
  ]);
}

function recordKey(requestId: string): string {
  return `writes:${requestId}`;
}
