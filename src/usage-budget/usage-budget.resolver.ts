import { RequirePermission } from '../auth/permissions';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { UpdateUsageBudgetInput } from './dto/update-usage-budget.input';
import { SpendingBudgetModel } from './models/spending-budget.model';
import { idempotencyKeyFrom } from './idempotency';
import { UsageBudgetService } from './usage-budget.service';

@Resolver(() => SpendingBudgetModel)
export class UsageBudgetResolver {
  constructor(private readonly usageBudgets: UsageBudgetService) {}

  @RequirePermission('read')
  @Query(() => SpendingBudgetModel, {
    description: "A customer's usage spending budget, read from Partner Center.",
  })
  customerUsageBudget(
    @Args('customerId', { type: () => ID, description: 'The customer tenant id (a GUID).' })
    customerId: string,
  ): Promise<SpendingBudgetModel> {
    return this.usageBudgets.get(customerId);
  }

  @RequirePermission('write')
  @Mutation(() => SpendingBudgetModel, {
    description: "Sets a customer's usage spending budget in Partner Center and returns it.",
  })
  updateUsageBudget(
    @Args('input', { description: 'The customer and the new amount.' }) input: UpdateUsageBudgetInput,
  ): Promise<SpendingBudgetModel> {
    const idempotencyKey = idempotencyKeyFrom([
      { header: 'idempotencyKey', value: input.idempotencyKey ?? undefined },
    ]);
    return this.usageBudgets.update(input.customerId, input.amount, { idempotencyKey });
  }
}
