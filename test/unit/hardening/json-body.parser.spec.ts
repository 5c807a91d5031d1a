import { InvalidInputError } from '../../../src/common/invalid-input.error';
import { MalformedJsonError } from '../../../src/common/malformed-json.error';
import {
  firstRepeatedMember,
  JSON_BODY_LIMITS,
  measureJson,
  parseJsonBody,
} from '../../../src/hardening/json-body.parser';

describe('JSON body parser', () => {
  const violations = (text: string) => {
    try {
      parseJsonBody(text);
    } catch (error) {
      if (error instanceof InvalidInputError) return error.violations;
      throw error;
    }
    throw new Error('expected a refusal');
  };

  it('parses a body within the limits', () => {
    expect(parseJsonBody('{"Amount":5,"Attributes":{"ObjectType":"SpendingBudget"}}')).toEqual({
      Amount: 5,
      Attributes: { ObjectType: 'SpendingBudget' },
    });
  });

  it('measures nesting and members outside strings only', () => {
    expect(measureJson('{"a":[[{"b":"[[{{:::"}]]}', JSON_BODY_LIMITS)).toEqual({ depth: 4, keys: 2 });
    expect(measureJson('{"a\\"[:":1}', JSON_BODY_LIMITS)).toEqual({ depth: 1, keys: 1 });
  });

  it('refuses nesting past the limit without recursing (100,000 levels)', () => {
    expect(violations('['.repeat(100_000) + ']'.repeat(100_000))[0].message).toMatch(/deeper than 32/);
  });

  it('refuses more members than the limit', () => {
    const body = `{${Array.from({ length: 1001 }, (_, i) => `"k${i}":0`).join(',')}}`;
    expect(violations(body)[0].message).toMatch(/more than 1000 object members/);
  });

  it('names every prototype key with its path', () => {
    expect(violations('{"__proto__":1,"a":{"constructor":1},"b":[{"prototype":1}]}')).toEqual(
      expect.arrayContaining([
        { field: '__proto__', message: 'property __proto__ should not exist' },
        { field: 'a.constructor', message: 'property a.constructor should not exist' },
        { field: 'b[0].prototype', message: 'property b[0].prototype should not exist' },
      ]),
    );
  });

  it('refuses a member given twice in one object, naming it (JSON.parse would keep the last silently)', () => {
    expect(violations('{"amount": 1, "amount": 1000}')).toEqual([
      { field: 'amount', message: 'amount is given more than once in the same object' },
    ]);
    expect(violations('{"Attributes":{"ObjectType":"a","ObjectType":"b"},"Amount":1}')[0].field).toBe(
      'Attributes.ObjectType',
    );
    expect(violations('{"variables":{"ids":[{},{"id":1,"i\\u0064":2}]}}')[0].field).toBe(
      'variables.ids[1].id',
    );
  });

  it('keeps the same key in different objects, and strings that look like keys', () => {
    const text = '{"a":{"id":1},"b":{"id":1},"c":[{"id":1},{"id":2}],"d":["id","id"],"e":{},"f":"\\"id\\":"}';
    expect(parseJsonBody(text)).toEqual(JSON.parse(text));
    expect(firstRepeatedMember(text)).toBeUndefined();
    expect(firstRepeatedMember('[{},"x",{"a":1,"b":{"a":2}}]')).toBeUndefined();
  });

  it.each(['', '{"amount": ', 'NaN', '{"a":1}}', "{'a':1}"])('calls %p malformed', (text) => {
    expect(() => parseJsonBody(text)).toThrow(MalformedJsonError);
  });
});
