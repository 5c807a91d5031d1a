import { isGuid, parseBudgetUpdate } from '../../src/partner-center/validation';

describe('parseBudgetUpdate', () => {
  it('reads Amount whatever the case of the property names', () => {
    expect(parseBudgetUpdate('{"aMoUnT": 3, "ATTRIBUTES": {"objecttype": "spendingbudget"}}')).toEqual({
      amount: 3,
    });
  });

  it('accepts zero', () => {
    expect(parseBudgetUpdate('{"Amount": 0}')).toEqual({ amount: 0 });
  });

  it.each(['{"Amount": -0.01}', '{"Amount": "1"}', '{"Amount": true}', '{}', 'null', '', '1e999'])(
    'rejects %s',
    (body) => {
      expect(parseBudgetUpdate(body)).toHaveProperty('invalid');
    },
  );
});

describe('isGuid', () => {
  it.each([
    ['c0000001-0000-4000-8000-000000000001', true],
    ['C0000001-0000-4000-8000-000000000001', true],
    ['{c0000001-0000-4000-8000-000000000001}', false],
    ['c00000010000400080000000000000001', false],
  ])('%s → %s', (value, expected) => {
    expect(isGuid(value)).toBe(expected);
  });
});
