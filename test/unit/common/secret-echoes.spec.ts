import { withoutEchoes } from '../../../src/common/secret-echoes';
import { findSecret } from '../../e2e/support/secret-forms';

const SECRET = 'pc-Qx8~v1.tk_Z3f+/9aLmN0pQrStUvWxYz012345';

describe('withoutEchoes', () => {
  it.each([
    ['as it is', (s: string) => `token ${s} refused`],
    ['URL-encoded', (s: string) => `Location: /x?t=${encodeURIComponent(s)}&y=1`],
    ['form-encoded', (s: string) => new URLSearchParams({ client_secret: s, x: 'y' }).toString()],
    ['JSON-escaped', (s: string) => JSON.stringify({ echoed: `"${s}"` })],
    ...[0, 1, 2].map((offset): [string, (s: string) => string] => [
      `base64 at offset ${offset}`,
      (s) => `blob ${Buffer.from('ab'.slice(0, offset) + `Bearer ${s} and more`).toString('base64')}`,
    ]),
    ['base64url', (s: string) => Buffer.from(`authorization: Bearer ${s}`).toString('base64url')],
  ])('cuts a secret quoted %s', (_shape, quote) => {
    const text = quote(SECRET);
    expect(findSecret(text, { secret: SECRET })).toBeDefined();
    expect(findSecret(withoutEchoes(text, [SECRET]), { secret: SECRET })).toBeUndefined();
  });

  it('leaves text that quotes no secret as it is', () => {
    expect(withoutEchoes('AADSTS7000222: The provided client secret keys are expired.', [SECRET])).toBe(
      'AADSTS7000222: The provided client secret keys are expired.',
    );
  });
});

describe('withoutEchoes, a quote cut short', () => {
  it('cuts the first characters of a secret a server clipped', () => {
    const text = `Assertion: ${SECRET.slice(0, 24)}… (truncated)`;
    expect(withoutEchoes(text, [SECRET])).toBe('Assertion: [REDACTED]… (truncated)');
  });
});
