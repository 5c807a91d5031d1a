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

  it.each([
    [{ amount: 1, Currency: 'EUR' }, 'Currency'],
    [{ amount: 1, constructor: 1 }, 'constructor'],
    [{ amount: 1, prototype: {} }, 'prototype'],
    [{ amount: 1, toString: 'x', hasOwnProperty: 1 }, 'toString'],
    [JSON.parse('{"amount":1,"__proto__":{"admin":true}}'), '__proto__'],
    [{ amount: 1, attributes: { objectType: 'SpendingBudget', constructor: 1 } }, 'attributes.constructor'],
  ])('refuses an unknown property by name, inherited names too: %p', (body, field) => {
    try {
      pipe.transform(body);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).violations).toContainEqual({
        field,
        message: `property ${field} should not exist`,
      });
    }
  });

  it('refuses the same property in two cases', () => {
    expect(() => pipe.transform({ amount: 1, Amount: 2 })).toThrow(InvalidInputError);
  });

  it.each([null, 'text', 42, [1]])('refuses a body that is not an object: %p', (body) => {
    expect(() => pipe.transform(body)).toThrow('The body must be a JSON object');
  });
});
