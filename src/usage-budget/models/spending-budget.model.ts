import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import type { CustomerBudget } from '../customer-budget';

/** The GraphQL face of a CustomerBudget; named SpendingBudget in the schema, as Partner Center names the resource. */
@ObjectType('SpendingBudget', {
  description: "A customer's Azure usage spending budget, as Partner Center holds it.",
})
export class SpendingBudgetModel implements CustomerBudget {
  @Field(() => ID, { description: 'The customer tenant id (a GUID) the budget belongs to.' })
  customerId: string;

  @Field(() => Float, { nullable: true, description: 'The budget amount; null: the customer has no budget.' })
  amount: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Partner Center's usageSpendingBudget figure for the customer, when Partner Center reports one; otherwise null.",
  })
  usageSpendingBudget: number | null;
}
