import { Body, Controller, Get, Headers, Param, Patch, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequirePermission } from '../auth/permissions';
import { ApiBodyProblemResponses, ApiProblemResponses } from '../problem/problem-details.schema';
import { restValidationPipe } from '../problem/rest-validation.pipe';
import { PartnerCenterCasingPipe } from './dto/partner-center-casing.pipe';
import { SpendingBudgetResource, toSpendingBudgetResource } from './dto/spending-budget.resource';
import { UPDATE_USAGE_BUDGET_BODY_NAMES, UpdateUsageBudgetBody } from './dto/update-usage-budget.body';
import { assertNoViolations } from '../common/invalid-input.error';
import {
  echoIdempotencyKey,
  IdempotencyKeyEchoInterceptor,
  sentIdempotencyKeys,
} from './idempotency-key-echo.interceptor';
import { KeyReading, readIdempotencyKey } from './idempotency';
import { CallOptions, UsageBudgetService } from './usage-budget.service';

const IDEMPOTENCY_HEADERS = {
  'MS-RequestId':
    'Your idempotency key (a GUID), as Partner Center takes it: a retry with the same value is applied once. Echoed back.',
  'Idempotency-Key': 'The same, by its IETF name; send either one, or both with the same GUID. Echoed back.',
};

/** The budget's path, Partner Center's own, as the router knows it. */
export const USAGE_BUDGET_ROUTE = '/v1/customers/:customerId/usagebudget';

/** Partner Center's own paths and shapes, so a service written against Partner Center only changes its base URL. */
@ApiTags('usage budget')
@ApiBearerAuth()
@ApiParam({ name: 'customerId', format: 'uuid', description: 'The customer tenant id.' })
@ApiProblemResponses()
@ApiHeader({ name: 'MS-RequestId', required: false, description: IDEMPOTENCY_HEADERS['MS-RequestId'] })
@ApiHeader({ name: 'Idempotency-Key', required: false, description: IDEMPOTENCY_HEADERS['Idempotency-Key'] })
@Controller(USAGE_BUDGET_ROUTE)
export class UsageBudgetController {
  constructor(private readonly usageBudgets: UsageBudgetService) {}

  @Get()
  @RequirePermission('read')
  @ApiOperation({ operationId: 'getUsageBudget', summary: "Read a customer's usage spending budget." })
  @ApiOkResponse({ type: SpendingBudgetResource })
  @ApiHeader({
    name: 'Cache-Control',
    required: false,
    description:
      '`no-cache` (or `max-age=0`): read Partner Center, not the read cache (USAGE_BUDGET_CACHE_TTL_MS), and refresh it.',
  })
  async get(
    @Param('customerId') customerId: string,
    @Headers() headers: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SpendingBudgetResource> {
    const options = callOptions(echoIdempotencyKey(reply.request.headers, reply), reply);
    // HTTP's way to ask past caches (RFC 9111 §5.2.1): honoured when the gateway has one.
    const cacheControl = headers['cache-control'];
    if (cacheControl !== undefined && asksForNoCachedAnswer(cacheControl)) options.fresh = true;
    const served = await this.usageBudgets.serve(customerId, options);
    if (served.maxAgeMs > 0) {
      // Say what was served: a cached answer's age, and its lifetime (for this caller only). A cache holds it while
      // Age + its own time < max-age (RFC 9111 §4.2): max-age is the whole TTL, never less the Age.
      reply.header('Age', String(Math.floor(served.ageMs / 1000)));
      reply.header('Cache-Control', `private, max-age=${Math.floor(served.maxAgeMs / 1000)}`);
    }
    return toSpendingBudgetResource(served.budget);
  }

  @Patch()
  @RequirePermission('write')
  @ApiOperation({ operationId: 'updateUsageBudget', summary: "Set a customer's usage spending budget." })
  @ApiBody({
    type: UpdateUsageBudgetBody,
    description: 'Property names are case-insensitive, as in Partner Center.',
  })
  @ApiOkResponse({ type: SpendingBudgetResource })
  @ApiBodyProblemResponses()
  @UseInterceptors(IdempotencyKeyEchoInterceptor)
  async update(
    @Param('customerId') customerId: string,
    @Body(new PartnerCenterCasingPipe(UPDATE_USAGE_BUDGET_BODY_NAMES), restValidationPipe())
    body: UpdateUsageBudgetBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SpendingBudgetResource> {
    // IdempotencyKeyEchoInterceptor echoed the key before the body pipes ran; here it is read for the call.
    const key = readIdempotencyKey(sentIdempotencyKeys(reply.request.headers));
    return toSpendingBudgetResource(
      await this.usageBudgets.update(customerId, body.amount, callOptions(key, reply)),
    );
  }
}

/** `no-cache` or `max-age=0` among the request's Cache-Control directives. */
function asksForNoCachedAnswer(cacheControl: string): boolean {
  return /(?:^|,)\s*(?:no-cache|max-age\s*=\s*"?0"?)\s*(?:,|$)/i.test(cacheControl);
}

/** The caller's idempotency key, refused (400, naming the header) when it is not one the gateway honours, and the
 * request's context. */
function callOptions(key: KeyReading, reply: FastifyReply): CallOptions {
  assertNoViolations(key.violations);
  return { idempotencyKey: key.key, context: reply.request.requestContext ?? undefined };
}
