import { InvalidInputError } from '../../common/invalid-input.error';
import type { PartnerCenterSpendingBudget } from '../../partner-center/spending-budget';
import type { SharedState } from '../../shared-state/shared-state';
import { sameChange } from '../idempotency';

/** How long a key's record is kept (on every replica): a caller's retries of one change come within a day. */
const WRITE_RECORD_MS = 24 * 60 * 60_000;

/** The change a key names (claimed before the write is sent), and once applied what a replay answers. */
interface WriteRecord {
  customerId: string;
  amount: number;
  budget?: PartnerCenterSpendingBudget;
  /** The last call under the key was answered "not applied" (see recordNotApplied). */
  notApplied?: true;
}

/** What claiming a key found. */
export interface Claim {
  /** The change was applied under the key before: what Partner Center answered then, replayed without asking again. */
  budget?: PartnerCenterSpendingBudget;
  /** An earlier call under the key may be under way, or have ended without knowing: see `WriteRecords.claim`. */
  unsettled: boolean;
}

/**
 * The records of the changes made under each upstream MS-RequestId, in the shared state (Redis with replicas): what
 * makes a caller's idempotency key name one change, applied once, across its retries and the fleet's replicas.
 */
export class WriteRecords {
  constructor(private readonly shared: SharedState) {}

  /**
   * The first use of an upstream id claims it for its change, atomically, before anything is sent: the same key with
   * another change is refused, not applied, even while the first is under way. A change already applied under it is
   * answered from its record, without asking Partner Center again; the same change still under way (a concurrent
   * retry) goes too, under the same MS-RequestId: Partner Center applies it once.
   * That retry is `unsettled`: the earlier call may be under way still, or have ended without knowing (OUTCOME_UNKNOWN,
   * a caller that went away, a replica that died), so no refusal of the retry says the change was not made. Only an
   * earlier call that Partner Center answered with "not applied" leaves the retry's own answer the answer.
   * While Redis is unreachable a replica claims in its own memory, where the fleet's earlier uses of the caller's key
   * are not seen: a claim made there proves no first use, and the change is taken to be unsettled.
   */
  async claim(requestId: string, customerId: string, amount: number, callersKey: boolean): Promise<Claim> {
    const claim: WriteRecord = { customerId: customerId.toLowerCase(), amount };
    const raw = await this.shared.setIfAbsent(recordKey(requestId), JSON.stringify(claim), WRITE_RECORD_MS);
    if (!raw) return { unsettled: callersKey && this.shared.degraded };
    const record = JSON.parse(raw) as WriteRecord;
    if (!sameChange(record, { customerId, amount })) throw keyUsedForAnotherChange();
    if (record.budget) return { budget: record.budget, unsettled: false };
    if (!record.notApplied) return { unsettled: true };
    // This call is under way now: a retry arriving meanwhile must not take the earlier refusal for its own answer.
    await this.shared.set(recordKey(requestId), JSON.stringify(claim), WRITE_RECORD_MS);
    return { unsettled: false };
  }

  /**
   * Records an applied change for its replays, and says whether this request is the first to find it applied: the
   * one whose success the audit trail reports. A retry of a change still under way is sent too, under the same
   * MS-RequestId, and Partner Center answers it with a replay of the one change it applied: without the shared
   * `reported` mark each of them, on any replica, would report that change again.
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
   */
  async recordNotApplied(requestId: string, customerId: string, amount: number): Promise<void> {
    const record: WriteRecord = { customerId: customerId.toLowerCase(), amount, notApplied: true };
    await this.shared.set(recordKey(requestId), JSON.stringify(record), WRITE_RECORD_MS);
  }

  /** The key's next use is asked of Partner Center again, as a first use. */
  async forget(requestId: string): Promise<void> {
    await this.shared.delete(recordKey(requestId));
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
