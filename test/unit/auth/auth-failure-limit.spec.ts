import { ThrottlerStorageService } from '@nestjs/throttler';
import { AuthFailureLimit, TooManyFailedTokensException } from '../../../src/auth/auth-failure-limit';

describe('failed tokens per address', () => {
  let storage: ThrottlerStorageService;
  beforeEach(() => (storage = new ThrottlerStorageService()));
  afterEach(() => storage.onApplicationShutdown());

  const refusal = (limit: AuthFailureLimit, address: string) => {
    try {
      limit.assertMayVerify(address);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('lets an address fail the limit, then refuses its tokens unchecked, saying how long to wait', async () => {
    const limit = new AuthFailureLimit(3, storage);
    for (let i = 0; i < 3; i += 1) {
      expect(refusal(limit, '192.0.2.1')).toBeUndefined();
      await limit.failed('192.0.2.1');
    }
    const refused = refusal(limit, '192.0.2.1');
    expect(refused).toBeInstanceOf(TooManyFailedTokensException);
    expect((refused as TooManyFailedTokensException).getStatus()).toBe(429);
    expect((refused as TooManyFailedTokensException).retryAfterSeconds).toBeGreaterThan(0);
    expect((refused as TooManyFailedTokensException).retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('counts each address on its own', async () => {
    const limit = new AuthFailureLimit(1, storage);
    await limit.failed('192.0.2.1');
    expect(refusal(limit, '192.0.2.1')).toBeInstanceOf(TooManyFailedTokensException);
    expect(refusal(limit, '192.0.2.2')).toBeUndefined();
  });

  it('counts nothing when the limit is 0', async () => {
    const limit = new AuthFailureLimit(0, storage);
    for (let i = 0; i < 5; i += 1) await limit.failed('192.0.2.1');
    expect(refusal(limit, '192.0.2.1')).toBeUndefined();
  });
});
