import { anonymousCaller, callerFromClaims } from '../../../src/auth/claims';
import { isGranted } from '../../../src/auth/permissions';
import { credentialsFrom } from '../../../src/auth/bearer';

describe('claims → Caller', () => {
  it('maps a delegated token: the user is oid, the app is azp, scopes split', () => {
    const caller = callerFromClaims(
      {
        sub: 'pairwise-sub',
        oid: 'user-oid',
        azp: 'app-id',
        appid: 'old-app-id',
        upn: 'ada@contoso.com',
        name: 'Ada',
        scp: 'User.Read  UsageBudget.Read',
        roles: ['X'],
      },
      'raw.token.value',
    );
    expect(caller).toEqual({
      subject: 'pairwise-sub',
      appId: 'app-id',
      userId: 'user-oid',
      userName: 'ada@contoso.com',
      roles: ['X'],
      scopes: ['User.Read', 'UsageBudget.Read'],
      token: 'raw.token.value',
      anonymous: false,
    });
  });

  it('maps an app-only token: no user, the oid is the app’s', () => {
    const caller = callerFromClaims(
      { sub: 'sp-oid', oid: 'sp-oid', appid: 'app-id', roles: ['UsageBudget.ReadWrite'] },
      't',
    );
    expect(caller.userId).toBeUndefined();
    expect(caller.appId).toBe('app-id');
    expect(caller.roles).toEqual(['UsageBudget.ReadWrite']);
    expect(caller.scopes).toEqual([]);
  });

  it('falls back from upn to preferred_username to name', () => {
    expect(callerFromClaims({ sub: 's', preferred_username: 'ada@b2c', name: 'Ada' }, 't').userName).toBe(
      'ada@b2c',
    );
    expect(callerFromClaims({ sub: 's', name: 'Ada' }, 't').userName).toBe('Ada');
  });

  it('ignores roles that are not strings', () => {
    expect(
      callerFromClaims({ sub: 's', roles: ['UsageBudget.Read', 42, null] as unknown as string[] }, 't').roles,
    ).toEqual(['UsageBudget.Read']);
  });

  it('takes a single role sent as a string, whole', () => {
    expect(callerFromClaims({ sub: 's', roles: 'UsageBudget.Read' }, 't').roles).toEqual([
      'UsageBudget.Read',
    ]);
    expect(
      callerFromClaims({ sub: 's', roles: 'UsageBudget.Read UsageBudget.ReadWrite' }, 't').roles,
    ).toEqual(['UsageBudget.Read UsageBudget.ReadWrite']);
    expect(callerFromClaims({ sub: 's', roles: '' }, 't').roles).toEqual([]);
  });

  it('gives the anonymous identities full rights and marks them', () => {
    for (const caller of [anonymousCaller('sandbox'), anonymousCaller('anonymous')]) {
      expect(caller.anonymous).toBe(true);
      expect(isGranted(caller, 'write')).toBe(true);
    }
  });
});

describe('permissions', () => {
  const caller = (roles: string[], scopes: string[] = []) => ({
    subject: 's',
    roles,
    scopes,
    anonymous: false,
  });

  it.each([
    [['UsageBudget.Read'], [], true, false],
    [['UsageBudget.ReadWrite'], [], true, true],
    [[], ['UsageBudget.Read'], true, false],
    [[], ['UsageBudget.ReadWrite'], true, true],
    [[], [], false, false],
    [['usagebudget.readwrite', 'UsageBudget.Write', 'Admin'], ['user_impersonation'], false, false],
  ])('roles %j scopes %j: read %s, write %s', (roles, scopes, read, write) => {
    expect(isGranted(caller(roles, scopes), 'read')).toBe(read);
    expect(isGranted(caller(roles, scopes), 'write')).toBe(write);
  });
});

describe('Authorization header', () => {
  it.each([
    [undefined, { kind: 'none' }],
    ['', { kind: 'none' }],
    ['Bearer abc.def.ghi', { kind: 'bearer', token: 'abc.def.ghi' }],
    ['bearer abc.def.ghi', { kind: 'bearer', token: 'abc.def.ghi' }],
    ['Basic dXNlcjpwYXNz', { kind: 'malformed' }],
    ['Bearer', { kind: 'malformed' }],
    ['Bearer a b', { kind: 'malformed' }],
    ['abc.def.ghi', { kind: 'malformed' }],
    [['Bearer a', 'Bearer b'], { kind: 'malformed' }],
  ])('%j → %j', (header, expected) => {
    expect(credentialsFrom(header as string | string[] | undefined)).toEqual(expected);
  });
});
