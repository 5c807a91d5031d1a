import { FaultBook } from './faults';
import type { SandboxAuthority } from './identity/authority';
import { ClientRegistry } from './identity/client-registry';
import { TokenLedger } from './identity/token-ledger';
import { IdempotencyStore } from './partner-center/idempotency';
import { CustomerStore } from './partner-center/store';
import { RequestLog } from './request-log';

/** Everything the sandbox remembers; handlers get the parts they need from here. */
export class SandboxServices {
  readonly registry = new ClientRegistry();
  readonly ledger = new TokenLedger();
  readonly store = new CustomerStore();
  readonly idempotency = new IdempotencyStore();
  readonly faults = new FaultBook();
  readonly log = new RequestLog();

  constructor(readonly authority: SandboxAuthority) {}

  /**
   * Back to the seed: budgets, idempotency records, faults, log and counters. Registered apps stay, and so does the
   * token ledger's knowledge of issued and revoked tokens (cached tokens from before a reset must stay revocable).
   */
  reset(): void {
    this.store.reset();
    this.idempotency.clear();
    this.faults.clear();
    this.log.clear();
    this.ledger.reset();
  }
}
