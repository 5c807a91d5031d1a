import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldViolation, InvalidInputError } from '../common/invalid-input.error';

/**
 * Validates REST bodies against their class-validator DTOs: unknown properties are refused (a typo must not
 * silently change nothing), and failures become the same InvalidInputError the domain rules throw.
 */
export function restValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new InvalidInputError(errors.flatMap((error) => violationsOf(error, ''))),
  });
}

function violationsOf(error: ValidationError, parent: string): FieldViolation[] {
  const field = parent ? `${parent}.${error.property}` : error.property;
  const own = Object.values(error.constraints ?? {}).map((message) => ({
    field,
    message: message.replace(error.property, field),
  }));
  return [...own, ...(error.children ?? []).flatMap((child) => violationsOf(child, field))];
}
