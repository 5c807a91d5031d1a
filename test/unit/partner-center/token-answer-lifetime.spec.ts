import { withStatedLifetime } from '../../../src/partner-center/credentials/msal-network-client';

/** A token answer's lifetime as MSAL will cache it (MSAL reads a missing expires_in as "expires now"). */
describe('the lifetime of a token answer', () => {
  const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
  const jwtExpiringIn = (seconds: number) =>
    [
      Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url'),
      Buffer.from(JSON.stringify({ exp: NOW / 1000 + seconds })).toString('base64url'),
      'signature',
    ].join('.');

  it('keeps a stated lifetime, as a number or as a string', () => {
    expect(withStatedLifetime({ access_token: 'a', expires_in: 3599 }, NOW)).toMatchObject({
      expires_in: 3599,
    });
    expect(withStatedLifetime({ access_token: 'a', expires_in: '3599' }, NOW)).toMatchObject({
      expires_in: '3599',
    });
  });

  it.each([
    ['missing', undefined],
    ['zero', 0],
    ['not a number', 'soon'],
  ])('takes the lifetime from the token’s exp claim when expires_in is %s', (_name, expiresIn) => {
    const body = { access_token: jwtExpiringIn(3600), expires_in: expiresIn };
    expect(withStatedLifetime(body, NOW)).toMatchObject({ expires_in: 3600 });
  });

  it('gives an opaque token without a lifetime Entra ID’s shortest one, ten minutes', () => {
    expect(withStatedLifetime({ access_token: 'opaque' }, NOW)).toMatchObject({ expires_in: 600 });
  });

  it('leaves an answer without a token (an error) as it is', () => {
    const error = { error: 'invalid_client', error_description: 'AADSTS7000222' };
    expect(withStatedLifetime(error, NOW)).toBe(error);
  });
});
