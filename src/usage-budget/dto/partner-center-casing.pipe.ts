import { Injectable, PipeTransform } from '@nestjs/common';
import { FieldViolation, InvalidInputError } from '../../common/invalid-input.error';

/** Canonical property names of a body, nested: `{ attributes: { objectType: {} } }`. */
export interface PropertyNames {
  [name: string]: PropertyNames;
}

/**
 * Partner Center reads property names case-insensitively, so a client written for it may send `Amount`.
 * Renames known properties to their canonical case before validation. Unknown properties are refused here, by name:
 * class-transformer silently drops the ones an object inherits (`constructor`, `toString`, `hasOwnProperty`, …), so
 * validation alone would let `{"amount": 5, "constructor": 1}` through as a plain change.
 * The same property twice (`amount` and `Amount`) is ambiguous and refused.
 */
@Injectable()
export class PartnerCenterCasingPipe implements PipeTransform {
  constructor(private readonly names: PropertyNames) {}

  transform(body: unknown): unknown {
    if (!isPlainObject(body)) {
      throw new InvalidInputError([{ field: '', message: 'The body must be a JSON object' }]);
    }
    const violations: FieldViolation[] = [];
    const canonical = canonicalize(body, this.names, '', violations);
    if (violations.length > 0) throw new InvalidInputError(violations);
    return canonical;
  }
}

function canonicalize(
  object: Record<string, unknown>,
  names: PropertyNames,
  parent: string,
  violations: FieldViolation[],
) {
  const byLowerCase = new Map(Object.keys(names).map((name) => [name.toLowerCase(), name]));
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const name = byLowerCase.get(key.toLowerCase());
    const field = parent ? `${parent}.${name ?? key}` : (name ?? key);
    if (name === undefined) {
      violations.push({ field, message: `property ${field} should not exist` });
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(result, name)) {
      violations.push({
        field,
        message: `${field} is given more than once (property names are case-insensitive)`,
      });
      continue;
    }
    const nested = names[name];
    result[name] =
      nested && Object.keys(nested).length > 0 && isPlainObject(value)
        ? canonicalize(value, nested, field, violations)
        : value;
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
