import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CustomerBudget } from '../customer-budget';

class SpendingBudgetAttributes {
  @ApiProperty({ enum: ['SpendingBudget'] })
  objectType: 'SpendingBudget';
}

class Link {
  @ApiProperty({ example: '/v1/customers/0b8f6d5e-3c7a-4f21-9d8e-2a1b3c4d5e6f/usagebudget' })
  uri: string;

  @ApiProperty({ example: 'GET' })
  method: string;

  @ApiProperty({ type: [Object], example: [] })
  headers: unknown[];
}

class SpendingBudgetLinks {
  @ApiProperty({ type: Link })
  self: Link;
}

/** Partner Center's SpendingBudget resource, as the REST adapter answers it (camelCase, like Partner Center). */
export class SpendingBudgetResource {
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 100,
    description: 'null: the customer has no budget.',
  })
  amount: number | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    example: 100,
    description: 'Present when Partner Center reports it.',
  })
  usageSpendingBudget?: number | null;

  @ApiProperty({ type: SpendingBudgetAttributes })
  attributes: SpendingBudgetAttributes;

  @ApiProperty({ type: SpendingBudgetLinks })
  links: SpendingBudgetLinks;
}

export function toSpendingBudgetResource(budget: CustomerBudget): SpendingBudgetResource {
  return {
    amount: budget.amount,
    ...(budget.usageSpendingBudget !== null && { usageSpendingBudget: budget.usageSpendingBudget }),
    attributes: { objectType: 'SpendingBudget' },
    links: { self: { uri: `/v1/customers/${budget.customerId}/usagebudget`, method: 'GET', headers: [] } },
  };
}
