import { RequirePermission } from '../auth/permissions';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { UpdateUsageBudgetInput } from './dto/update-usage-budget.input';
import { SpendingBudget } from './models/spending-budget.model';
import { UsageBudgetService } from './usage-budget.service';

@Resolver(() => SpendingBudget)
export class UsageBudgetResolver {
  constructor(private readonly usageBudgets: UsageBudgetService) {}

  @RequirePermission('read')
  @Query(() => SpendingBudget, { description: "A customer's usage spending budget, read from Partner Center." })
  customerUsageBudget(
    @Args('customerId', { type: () => ID, description: 'The customer tenant id (a GUID).' }) customerId: string,
  ): Promise<SpendingBudget> {
    return this.usageBudgets.get(customerId);
  }

  @RequirePermission('write')
  @Mutation(() => SpendingBudget, { description: "Sets a customer's usage spending budget in Partner Center and returns it." })
  updateUsageBudget(
    @Args('input', { description: 'The customer and the new amount.' }) input: UpdateUsageBudgetInput,
  ): Promise<SpendingBudget> {
    return this.usageBudgets.update(input.customerId, input.amount);
  }
}
