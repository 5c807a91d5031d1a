import { Field, Float, ID, InputType } from '@nestjs/graphql';

@InputType({ description: "Sets a customer's usage spending budget." })
export class UpdateUsageBudgetInput {
  @Field(() => ID, { description: 'The customer tenant id (a GUID).' })
  customerId: string;

  @Field(() => Float, { description: 'The new budget amount: a finite, non-negative number no larger than the gateway maximum.' })
  amount: number;
}
