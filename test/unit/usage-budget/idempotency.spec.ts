import { InvalidInputError } from '../../../src/common/invalid-input.error';
import type { Caller } from '../../../src/request-context/caller';
import { idempotencyKeyFrom, upstreamRequestId } from '../../../src/usage-budget/idempotency';

const caller = (subject: string, issuer = 'https://idp/v2.0'): Caller => ({
  subject,
  issuer,
  roles: [],
  scopes: [],
  anonymous: false,
});
const KEY = '5e1c2d3b-4a59-4f68-8d7e-9c0b1a2f3e4d';

describe('idempotency keys', () => {
  it('derives one stable upstream id per caller and key, a version-5 UUID', () => {
    const id = upstreamRequestId(caller('alice'), KEY);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(upstreamRequestId(caller('alice'), KEY.toUpperCase())).toBe(id);
  });

  it("gives a read under a key another id than the key's change, and keeps the change's id as it was", () => {
    const change = upstreamRequestId(caller('alice'), KEY);
    expect(upstreamRequestId(caller('alice'), KEY, 'change')).toBe(change);
    expect(upstreamRequestId(caller('alice'), KEY, 'read')).not.toBe(change);
    expect(upstreamRequestId(caller('alice'), KEY, 'read')).toBe(
      upstreamRequestId(caller('alice'), KEY, 'read'),
    );
  });

  it('never maps two callers, or two issuers, to the same upstream id', () => {
    const ids = new Set([
      upstreamRequestId(caller('alice'), KEY),
      upstreamRequestId(caller('bob'), KEY),
      upstreamRequestId(caller('alice', 'https://other-idp/v2.0'), KEY),
      upstreamRequestId(undefined, KEY),
    ]);
    expect(ids.size).toBe(4);
  });

  it('takes the key from either header, or both when they agree', () => {
    expect(
      idempotencyKeyFrom([
        { header: 'MS-RequestId', value: KEY },
        { header: 'Idempotency-Key', value: undefined },
      ]),
    ).toBe(KEY);
    expect(
      idempotencyKeyFrom([
        { header: 'MS-RequestId', value: KEY },
        { header: 'Idempotency-Key', value: KEY.toUpperCase() },
      ]),
    ).toBe(KEY);
    expect(idempotencyKeyFrom([{ header: 'MS-RequestId', value: undefined }])).toBeUndefined();
  });

  it('refuses a key that is not a GUID, naming the header', () => {
    expect(() => idempotencyKeyFrom([{ header: 'Idempotency-Key', value: 'retry-1' }])).toThrow(
      InvalidInputError,
    );
    expect(() => idempotencyKeyFrom([{ header: 'Idempotency-Key', value: 'retry-1' }])).toThrow(
      /Idempotency-Key/,
    );
  });
});
