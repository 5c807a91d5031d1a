import { Field, Float, ID, InputType } from '@nestjs/graphql';

@InputType({ description: "Sets a customer's usage spending budget." })
export class UpdateUsageBudgetInput {
  @Field(() => ID, { description: 'The customer tenant id (a GUID).' })
  customerId: string;

  @Field(() => Float, {
    description: 'The new budget amount: a finite, non-negative number no larger than the gateway maximum.',
  })
  amount: number;

  @Field(() => ID, {
    nullable: true,
    description:
      'Your idempotency key (a GUID): send the same one when you retry this change and it is applied once, even when ' +
      'the first answer was lost. Keys are yours alone: another caller using the same GUID changes nothing of yours.',
  })
  idempotencyKey?: string | null;
}
