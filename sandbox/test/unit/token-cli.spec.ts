import { DEFAULT_SANDBOX_URL, parseTokenCliArgs } from '../../src/token-cli';

describe('token CLI arguments', () => {
  it('defaults to the sandbox on 127.0.0.1:8443 with no CA and no claims', () => {
    expect(parseTokenCliArgs([], {})).toEqual({
      sandboxUrl: DEFAULT_SANDBOX_URL,
      caPath: undefined,
      claims: {},
    });
  });

  it('reads SANDBOX_URL and SANDBOX_CA_CERT, and falls back to $SANDBOX_STATE_DIR/ca.pem', () => {
    expect(
      parseTokenCliArgs([], {
        SANDBOX_URL: 'https://sandbox.test:9443/',
        SANDBOX_CA_CERT: '/x/ca.pem',
        SANDBOX_STATE_DIR: '/state',
      }),
    ).toMatchObject({
      sandboxUrl: 'https://sandbox.test:9443',
      caPath: '/x/ca.pem',
    });
    expect(parseTokenCliArgs([], { SANDBOX_STATE_DIR: '/state' }).caPath).toBe('/state/ca.pem');
  });

  it('lets flags override the environment', () => {
    const options = parseTokenCliArgs(['--sandbox-url', 'https://localhost:1', '--ca=/flag/ca.pem'], {
      SANDBOX_URL: 'https://env:2',
      SANDBOX_CA_CERT: '/env/ca.pem',
    });
    expect(options).toMatchObject({ sandboxUrl: 'https://localhost:1', caPath: '/flag/ca.pem' });
  });

  it('maps the claim flags: repeatable --role, --scope, --sub, --upn, --no-mfa, --expires-in', () => {
    const { claims } = parseTokenCliArgs(
      [
        '--role',
        'UsageBudget.Read',
        '--role=UsageBudget.Write',
        '--scope',
        ' access_as_user  other ',
        '--sub',
        'subject',
        '--upn',
        'a@b.test',
        '--no-mfa',
        '--expires-in',
        '120',
      ],
      {},
    );
    expect(claims).toEqual({
      roles: ['UsageBudget.Read', 'UsageBudget.Write'],
      scp: 'access_as_user other',
      sub: 'subject',
      upn: 'a@b.test',
      amr: ['pwd'],
      expiresInSeconds: 120,
    });
  });

  it.each([
    [['--bogus'], /unknown argument/],
    [['--role'], /--role needs a value/],
    [['--expires-in', 'soon'], /--expires-in/],
    [['--expires-in', '0'], /--expires-in/],
    [['--no-mfa=yes'], /no value/],
    [['--sandbox-url', 'not a url'], /not a URL/],
  ])('refuses %j', (argv, reason) => {
    expect(() => parseTokenCliArgs(argv, {})).toThrow(reason);
  });
});
