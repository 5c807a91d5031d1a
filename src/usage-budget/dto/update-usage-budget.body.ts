import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsDefined, IsNumber, IsObject, IsOptional, ValidateNested } from 'class-validator';

export class SpendingBudgetAttributesBody {
  @ApiPropertyOptional({
    enum: ['SpendingBudget'],
    description: 'If given, must be SpendingBudget (as Partner Center sends it).',
  })
  @IsOptional()
  @Equals('SpendingBudget', { message: 'attributes.objectType must be SpendingBudget' })
  objectType?: string;
}

/**
 * The PATCH body, as Partner Center takes it: `{"amount": 100}` or `{"Amount": 100, "Attributes": {"ObjectType":
 * "SpendingBudget"}}` (property names in any case, see PartnerCenterCasingPipe). Only the JSON shape is checked
 * here; the amount's bounds are domain rules, checked by the service for both adapters.
 */
export class UpdateUsageBudgetBody {
  @ApiProperty({
    type: Number,
    minimum: 0,
    example: 100,
    description: 'The new budget amount (Partner Center: Amount).',
  })
  @IsDefined()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'amount must be a number' })
  amount: number;

  @ApiPropertyOptional({ type: SpendingBudgetAttributesBody, description: 'Partner Center: Attributes.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SpendingBudgetAttributesBody)
  attributes?: SpendingBudgetAttributesBody;

  // The resource's read-only members. A service written against Partner Center may send back the budget it read with
  // a new amount (or a .NET SpendingBudget serialized whole, its empty members null); Partner Center takes that, so
  // the gateway does too. They are checked for their type and not sent on: the change is the amount.
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description:
      'Read-only (as answered by GET): accepted so that a budget read can be sent back, and ignored.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'usageSpendingBudget must be a number' })
  usageSpendingBudget?: number | null;

  @ApiPropertyOptional({
    type: Object,
    nullable: true,
    description:
      'Read-only (as answered by GET): accepted so that a budget read can be sent back, and ignored.',
  })
  @IsOptional()
  @IsObject({ message: 'links must be an object' })
  links?: Record<string, unknown> | null;
}

/** The body's property names, in their canonical camelCase, for PartnerCenterCasingPipe. */
export const UPDATE_USAGE_BUDGET_BODY_NAMES = {
  amount: {},
  attributes: { objectType: {} },
  usageSpendingBudget: {},
  links: {},
};
