import { TokenLedger } from '../../src/identity/token-ledger';
import { CustomerStore } from '../../src/partner-center/store';

describe('TokenLedger', () => {
  it('revokes every token issued before revokeAll and accepts later ones', () => {
    const ledger = new TokenLedger();
    ledger.issue('a');
    ledger.issue('b');
    ledger.revokeAll();
    ledger.issue('c');
    expect(['a', 'b', 'c'].map((uti) => ledger.isRevoked(uti))).toEqual([true, true, false]);
  });

  it('still revokes tokens issued before a reset (clients keep them cached)', () => {
    const ledger = new TokenLedger();
    ledger.issue('cached');
    ledger.reset();
    ledger.revokeAll();
    expect(ledger.isRevoked('cached')).toBe(true);
  });

  it('keeps revoked tokens revoked across a reset, and resets the request counter', () => {
    const ledger = new TokenLedger();
    ledger.countRequest();
    ledger.issue('old');
    ledger.revokeAll();
    ledger.reset();
    expect(ledger.isRevoked('old')).toBe(true);
    expect(ledger.tokenRequests()).toBe(0);
  });

  it('does not revoke anything when nothing new was issued since the last revocation', () => {
    const ledger = new TokenLedger();
    ledger.issue('a');
    ledger.revokeAll();
    ledger.issue('b');
    expect(ledger.isRevoked('b')).toBe(false);
    expect(ledger.isRevoked(undefined)).toBe(false);
  });
});

describe('CustomerStore.patchesApplied', () => {
  const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
  const FABRIKAM = 'c0000002-0000-4000-8000-000000000002';

  it('counts applied updates per customer and in total, case-insensitively, and clears on reset', () => {
    const store = new CustomerStore();
    store.setAmount(CONTOSO, 1);
    store.setAmount(CONTOSO.toUpperCase(), 2);
    store.setAmount(FABRIKAM, 3);
    store.setAmount('d0000000-0000-4000-8000-00000000dead', 4);
    expect(store.patchesApplied(CONTOSO)).toBe(2);
    expect(store.patchesApplied()).toBe(3);
    expect(store.patchesAppliedByCustomer()).toEqual({ [CONTOSO]: 2, [FABRIKAM]: 1 });
    store.reset();
    expect(store.patchesApplied()).toBe(0);
  });
});
