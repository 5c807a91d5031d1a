import { FaultBook } from './faults';
import type { SandboxAuthority } from './identity/authority';
import { ClientRegistry } from './identity/client-registry';
import { TokenLedger } from './identity/token-ledger';
import { InFlightGauge } from './in-flight';
import { IdempotencyStore } from './partner-center/idempotency';
import { CustomerStore } from './partner-center/store';
import { Throttle } from './partner-center/throttle';
import { VerifiedTokens } from './partner-center/verified-tokens';
import { RequestLog } from './request-log';
import type { SandboxStats, SeededCustomer } from './types';

/** Everything the sandbox remembers; handlers get the parts they need from here. */
export class SandboxServices {
  readonly registry = new ClientRegistry();
  readonly ledger = new TokenLedger();
  readonly store: CustomerStore;
  readonly idempotency = new IdempotencyStore();
  readonly faults = new FaultBook();
  readonly log: RequestLog;
  readonly throttle = new Throttle();
  /** Not cleared by reset(): a verified token stays verified (revocation and expiry are checked on every call). */
  readonly verifiedTokens = new VerifiedTokens();
  readonly inFlight = new InFlightGauge();

  constructor(
    readonly authority: SandboxAuthority,
    seed: { customers?: readonly SeededCustomer[]; requestLogLimit?: number } = {},
  ) {
    this.store = new CustomerStore(seed.customers);
    this.log = new RequestLog(seed.requestLogLimit);
  }

  stats(): SandboxStats {
    const requests = this.log.requestCounts();
    return {
      tokenRequests: this.ledger.tokenRequests(),
      requests: requests.total,
      requestsByTarget: requests.byTarget,
      activeFaults: this.faults.list().length,
      throttled: this.throttle.throttled(),
      throttle: this.throttle.get() ?? null,
      inFlight: this.inFlight.inFlight(),
      inFlightPeak: this.inFlight.inFlightPeak(),
      patchesApplied: this.store.patchesApplied(),
      patchesAppliedByCustomer: this.store.patchesAppliedByCustomer(),
    };
  }

  /**
   * Back to the seed: budgets, idempotency records, faults, log, counters, throttle windows and the in-flight peak.
   * Registered apps stay, and so do the throttle setting and the token ledger's knowledge of issued and revoked
   * tokens (cached tokens from before a reset must stay revocable).
   */
  reset(): void {
    this.store.reset();
    this.idempotency.clear();
    this.faults.clear();
    this.log.reset();
    this.ledger.reset();
    this.throttle.reset();
    this.inFlight.resetPeak();
  }
}
