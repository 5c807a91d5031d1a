import { HeldToken, TokenCycler } from '../../../src/partner-center/credentials/token-cycler';

/** When the held token is renewed, on a clock the test moves. */
describe('the token cycler', () => {
  const HOUR = 3_600_000;

  function cycler(answer: (now: number) => HeldToken) {
    let now = 1_000_000;
    let acquisitions = 0;
    const tokens = new TokenCycler(
      async () => {
        acquisitions += 1;
        return answer(now);
      },
      {
        refreshBeforeExpiryMs: 5 * 60_000,
        expirySafetyMs: 30_000,
        failureBackoffMs: 250,
        failureBackoffMaxMs: 4_000,
        now: () => now,
        random: () => 0,
      },
    );
    return {
      tokens,
      acquisitions: () => acquisitions,
      advance: (ms: number) => (now += ms),
    };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it("renews when Entra ID's refresh_in says, not only shortly before expiry", async () => {
    // A 24-hour token (continuous access evaluation) that Entra ID wants refreshed after 12 hours.
    const clock = cycler((now) => ({
      token: `t${now}`,
      expiresOnMs: now + 24 * HOUR,
      refreshOnMs: now + 12 * HOUR,
    }));
    await clock.tokens.getToken();
    clock.advance(12 * HOUR - 1_000);
    clock.tokens.heldToken();
    await settle();
    expect(clock.acquisitions()).toBe(1);
    clock.advance(2_000);
    clock.tokens.heldToken();
    await settle();
    expect(clock.acquisitions()).toBe(2);
  });

  it('renews a token without refresh_in shortly before expiry', async () => {
    const clock = cycler((now) => ({ token: `t${now}`, expiresOnMs: now + HOUR }));
    await clock.tokens.getToken();
    clock.advance(HOUR - 5 * 60_000 - 1_000);
    clock.tokens.heldToken();
    await settle();
    expect(clock.acquisitions()).toBe(1);
    clock.advance(2_000);
    clock.tokens.heldToken();
    await settle();
    expect(clock.acquisitions()).toBe(2);
  });

  it('fails fast until its next token request, saying how long that is, when Entra ID named no wait', async () => {
    const outage = Object.assign(new Error('Entra ID is unavailable'), { kind: 'unavailable' });
    const clock = cycler(() => {
      throw outage;
    });
    await expect(clock.tokens.getToken()).rejects.toBe(outage);
    // Backoff 250 ms, jitter 0: half of it, 125 ms; a caller is told the whole seconds left, at least 1.
    clock.advance(100);
    await expect(clock.tokens.getToken()).rejects.toMatchObject({
      kind: 'unavailable',
      retryAfterSeconds: 1,
    });
    expect(clock.acquisitions()).toBe(1);
  });
});
