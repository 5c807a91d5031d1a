/** One reason a request was refused, named after the field the caller sent. */
export interface FieldViolation {
  field: string;
  message: string;
}

/**
 * The caller sent something the gateway will not forward. Thrown before any upstream call, by the domain
 * rules and by the REST body validation alike, so both adapters answer it the same way.
 */
export class InvalidInputError extends Error {
  constructor(readonly violations: FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.message}`).join('; ') || 'The request is invalid');
    this.name = 'InvalidInputError';
  }
}

/** Throws when there is anything to complain about; lets rule checks compose as plain lists. */
export function assertNoViolations(violations: FieldViolation[]): void {
  if (violations.length > 0) throw new InvalidInputError(violations);
}
