import { VerifiedTokens } from '../../src/partner-center/verified-tokens';

describe('VerifiedTokens', () => {
  const NOW = 1_800_000_000;

  it('gives back a remembered payload while the token is within its lifetime', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('t', { exp: NOW + 60, tid: 'tenant' });
    expect(tokens.current('t', NOW)).toEqual({ exp: NOW + 60, tid: 'tenant' });
    expect(tokens.current('t-altered', NOW)).toBeUndefined();
  });

  it('forgets a token at its exp, as jose rejects it (exp <= now), so it is verified in full again', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('t', { exp: NOW + 1 });
    expect(tokens.current('t', NOW + 1)).toBeUndefined();
    // Gone, not only refused: a clock that went back does not bring it back.
    expect(tokens.current('t', NOW)).toBeUndefined();
  });

  it('does not serve a token before its nbf', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('t', { exp: NOW + 60, nbf: NOW + 10 });
    expect(tokens.current('t', NOW)).toBeUndefined();
  });

  it('treats a payload without exp as expired (the verifier requires exp anyway)', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('t', {});
    expect(tokens.current('t', NOW)).toBeUndefined();
  });

  it('keeps at most its capacity, dropping the oldest', () => {
    const tokens = new VerifiedTokens(2);
    tokens.remember('a', { exp: NOW + 60 });
    tokens.remember('b', { exp: NOW + 60 });
    tokens.remember('c', { exp: NOW + 60 });
    expect(['a', 'b', 'c'].map((t) => tokens.current(t, NOW) !== undefined)).toEqual([false, true, true]);
  });
});
