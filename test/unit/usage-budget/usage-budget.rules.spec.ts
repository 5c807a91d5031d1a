import {
  amountViolations,
  customerIdsViolations,
  customerIdViolations,
} from '../../../src/usage-budget/usage-budget.rules';

describe('usage-budget rules', () => {
  it.each(['0b8f6d5e-3c7a-4f21-9d8e-2a1b3c4d5e6f', '0B8F6D5E-3C7A-4F21-9D8E-2A1B3C4D5E6F'])(
    'accepts the GUID %s',
    (id) => {
      expect(customerIdViolations(id)).toEqual([]);
    },
  );

  it.each([
    '',
    'contoso.onmicrosoft.com',
    '{0b8f6d5e-3c7a-4f21-9d8e-2a1b3c4d5e6f}',
    ' 0b8f6d5e-3c7a-4f21-9d8e-2a1b3c4d5e6f',
    '0b8f6d5e3c7a4f219d8e2a1b3c4d5e6f',
    42,
  ])('refuses the customer id %p', (id) => {
    expect(customerIdViolations(id)).toEqual([
      { field: 'customerId', message: 'customerId must be a GUID (the customer tenant id)' },
    ]);
  });

  it.each([0, 0.01, 100, 1000])('accepts the amount %p up to the maximum', (amount) => {
    expect(amountViolations(amount, 1000)).toEqual([]);
  });

  it.each([
    [-0.01, 'amount must not be negative'],
    [1000.01, 'amount must be at most 1000'],
    [NaN, 'amount must be a finite number'],
    [Infinity, 'amount must be a finite number'],
    ['100', 'amount must be a number'],
    [true, 'amount must be a number'],
    [null, 'amount must be a number'],
  ])('refuses the amount %p', (amount, message) => {
    expect(amountViolations(amount, 1000)).toEqual([{ field: 'amount', message }]);
  });

  describe('a batch of customer ids', () => {
    const id = (n: number) => `d0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

    it('counts customers, not positions: repeats (in any letter case) are read once', () => {
      const ids = [id(1), id(2), id(3), id(1), id(1).toUpperCase()];
      expect(customerIdsViolations(ids, 3)).toEqual([]);
    });

    it('refuses more customers than the maximum, saying how many it names', () => {
      expect(customerIdsViolations([id(1), id(2), id(3), id(4), id(1)], 3)).toEqual([
        { field: 'customerIds', message: 'customerIds may name at most 3 customers, got 4' },
      ]);
    });
  });
});
