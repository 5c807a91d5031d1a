import {
  PartnerCenterTokenCheck,
  TOKEN_PROBE_CACHE_MS,
} from '../../../src/health/partner-center-token.check';
import { ReadinessRegistry } from '../../../src/health/readiness.registry';

function check(tokens: { hasUsableToken?: () => boolean; getToken: () => Promise<string> }) {
  return new PartnerCenterTokenCheck(tokens, new ReadinessRegistry());
}

describe('readiness: a Partner Center token held or obtainable', () => {
  it('is ready with a held token, without asking Entra ID', async () => {
    const getToken = jest.fn(async () => 't');
    expect(await check({ hasUsableToken: () => true, getToken }).check()).toEqual({
      ready: true,
      detail: 'token held',
    });
    expect(getToken).not.toHaveBeenCalled();
  });

  it('tries once when none is held and reuses the answer for a few seconds', async () => {
    const getToken = jest.fn(async () => {
      throw Object.assign(new Error('down'), { kind: 'unavailable' });
    });
    const probe = check({ hasUsableToken: () => false, getToken });
    const now = Date.now();
    expect(await probe.check(now)).toEqual({ ready: false, detail: 'no token: unavailable' });
    expect(await probe.check(now + 1_000)).toEqual({ ready: false, detail: 'no token: unavailable' });
    expect(getToken).toHaveBeenCalledTimes(1);
    await probe.check(Date.now() + TOKEN_PROBE_CACHE_MS + 1);
    expect(getToken).toHaveBeenCalledTimes(2);
  });

  it('has nothing to check ahead of a call in app+user mode (tokens are per caller)', async () => {
    expect((await check({ getToken: async () => 't' }).check()).ready).toBe(true);
  });
});
