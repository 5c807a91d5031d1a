import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../auth/permissions';
import { ApiProblemResponses } from '../problem/problem-details.schema';
import { restValidationPipe } from '../problem/rest-validation.pipe';
import { PartnerCenterCasingPipe } from './dto/partner-center-casing.pipe';
import { SpendingBudgetResource, toSpendingBudgetResource } from './dto/spending-budget.resource';
import { UPDATE_USAGE_BUDGET_BODY_NAMES, UpdateUsageBudgetBody } from './dto/update-usage-budget.body';
import { UsageBudgetService } from './usage-budget.service';

/** Partner Center's own paths and shapes, so a service written against Partner Center only changes its base URL. */
@ApiTags('usage budget')
@ApiBearerAuth()
@ApiParam({ name: 'customerId', format: 'uuid', description: 'The customer tenant id.' })
@ApiProblemResponses()
@Controller('v1/customers/:customerId/usagebudget')
export class UsageBudgetController {
  constructor(private readonly usageBudgets: UsageBudgetService) {}

  @Get()
  @RequirePermission('read')
  @ApiOperation({ operationId: 'getUsageBudget', summary: "Read a customer's usage spending budget." })
  @ApiOkResponse({ type: SpendingBudgetResource })
  async get(@Param('customerId') customerId: string): Promise<SpendingBudgetResource> {
    return toSpendingBudgetResource(await this.usageBudgets.get(customerId));
  }

  @Patch()
  @RequirePermission('write')
  @ApiOperation({ operationId: 'updateUsageBudget', summary: "Set a customer's usage spending budget." })
  @ApiBody({ type: UpdateUsageBudgetBody, description: 'Property names are case-insensitive, as in Partner Center.' })
  @ApiOkResponse({ type: SpendingBudgetResource })
  async update(
    @Param('customerId') customerId: string,
    @Body(new PartnerCenterCasingPipe(UPDATE_USAGE_BUDGET_BODY_NAMES), restValidationPipe()) body: UpdateUsageBudgetBody,
  ): Promise<SpendingBudgetResource> {
    return toSpendingBudgetResource(await this.usageBudgets.update(customerId, body.amount));
  }
}
