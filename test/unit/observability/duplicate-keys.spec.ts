import { duplicateKeys } from '../../e2e/observability/support/duplicate-keys';

describe('duplicateKeys (the log tests’ checker)', () => {
  it('finds a key written twice at the same level', () => {
    expect(duplicateKeys('{"a":1,"correlationId":"x","b":{"c":2},"correlationId":"x"}')).toEqual([
      'correlationId',
    ]);
  });

  it('accepts the same key in different objects, and keys quoted inside strings', () => {
    expect(duplicateKeys('{"id":1,"req":{"id":2},"msg":"\\"id\\": 3","list":[{"id":4},{"id":5}]}')).toEqual(
      [],
    );
  });
});
