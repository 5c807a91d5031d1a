import { PartnerCenterError } from '../../../src/partner-center/errors/partner-center-error';
import { parseSpendingBudget } from '../../../src/partner-center/spending-budget';

const RID = '0f0e0d0c-0b0a-4908-8706-050403020100';

describe('parseSpendingBudget', () => {
  it('reads the documented resource', () => {
    expect(
      parseSpendingBudget(
        { amount: 100, usageSpendingBudget: 90, attributes: { objectType: 'SpendingBudget' } },
        RID,
      ),
    ).toMatchObject({ amount: 100, usageSpendingBudget: 90 });
  });

  it.each([
    [{ amount: null }],
    [{ attributes: { objectType: 'SpendingBudget' } }],
    [{ Attributes: { ObjectType: 'spendingbudget' } }],
  ])('reads a budget that is not set: %j', (body) => {
    expect(parseSpendingBudget(body, RID).amount).toBeNull();
  });

  it.each([
    [{}],
    [{ code: 800003, description: 'Unexpected service error' }],
    [{ attributes: { objectType: 'CustomerUsageSummary' } }],
    [{ amount: '100' }],
    [[{ amount: 1 }]],
    [undefined],
  ])('refuses what is no SpendingBudget: %j', (body) => {
    expect(() => parseSpendingBudget(body, RID)).toThrow(PartnerCenterError);
  });

  it("refuses a write's answer without an amount, even one that says it is a SpendingBudget", () => {
    expect(() =>
      parseSpendingBudget({ attributes: { objectType: 'SpendingBudget' } }, RID, {
        status: 200,
        amountRequired: true,
      }),
    ).toThrow(PartnerCenterError);
  });
});
