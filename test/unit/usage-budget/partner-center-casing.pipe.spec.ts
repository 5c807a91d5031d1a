import { InvalidInputError } from '../../../src/common/invalid-input.error';
import { PartnerCenterCasingPipe } from '../../../src/usage-budget/dto/partner-center-casing.pipe';
import { UPDATE_USAGE_BUDGET_BODY_NAMES } from '../../../src/usage-budget/dto/update-usage-budget.body';

describe('PartnerCenterCasingPipe', () => {
  const pipe = new PartnerCenterCasingPipe(UPDATE_USAGE_BUDGET_BODY_NAMES);

  it('renames known properties to camelCase, nested ones too', () => {
    expect(pipe.transform({ AMOUNT: 1, Attributes: { OBJECTTYPE: 'SpendingBudget' } })).toEqual({
      amount: 1,
      attributes: { objectType: 'SpendingBudget' },
    });
  });

  it('leaves unknown properties for the validation to refuse', () => {
    expect(pipe.transform({ amount: 1, Currency: 'EUR' })).toEqual({ amount: 1, Currency: 'EUR' });
  });

  it('refuses the same property in two cases', () => {
    expect(() => pipe.transform({ amount: 1, Amount: 2 })).toThrow(InvalidInputError);
  });

  it.each([null, 'text', 42, [1]])('refuses a body that is not an object: %p', (body) => {
    expect(() => pipe.transform(body)).toThrow('The body must be a JSON object');
  });
});
