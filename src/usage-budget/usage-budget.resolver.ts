import { Args, Context, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import DataLoader from 'dataloader';
import type { FieldViolation } from '../common/invalid-input.error';
import { RequirePermission } from '../auth/permissions';
import { UpdateUsageBudgetInput } from './dto/update-usage-budget.input';
import { SpendingBudgetModel } from './models/spending-budget.model';
import {
  IDEMPOTENCY_KEY_HEADERS,
  idempotencyKeyFrom,
  KeyedChange,
  KeySource,
  readIdempotencyKey,
  sameChange,
} from './idempotency';
import type { UsageBudgetConfig } from './usage-budget.config';
import { customerIdsViolations, customerIdViolations, updateViolations } from './usage-budget.rules';
import { asError, UsageBudgetService } from './usage-budget.service';

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
    @Context('req') request: FastifyRequest,
  ): Promise<SpendingBudgetModel> {
    return this.usageBudgets.get(customerId, { context: request.requestContext ?? undefined });
  }

  /**
   * A portal page's worth of customers in one request. Every id is checked before any is read; repeated ids are
   * read once (dataloader); the reads share the gateway's coalescing, cache and upstream concurrency limit, so 200
   * customers never become 200 simultaneous calls. One customer's failure is a null item with its own error (path
   * and extensions.code); the others still answer.
   */
  @RequirePermission('read')
  @Query(() => [SpendingBudgetModel], {
    nullable: 'items',
    description:
      "Many customers' usage spending budgets at once, in the order asked. A customer that cannot be read is null, " +
      'with an error whose path names its index.',
  })
  async customerUsageBudgets(
    @Args('customerIds', {
      type: () => [ID],
      description: 'Customer tenant ids (GUIDs), at most the configured maximum.',
    })
    customerIds: string[],
    @Context('req') request: FastifyRequest,
  ): Promise<Array<SpendingBudgetModel | Error>> {
    this.usageBudgets.assertBatch(customerIds);
    const options = { context: request.requestContext ?? undefined };
    const loader = new DataLoader<string, SpendingBudgetModel>(
      (ids) => this.usageBudgets.getMany(ids, options),
      {
        cacheKeyFn: (id) => id.toLowerCase(),
      },
    );
    // Each item answers for the id as asked at its position: a repeat in another letter case shares the read only.
    return Promise.all(
      customerIds.map((id) =>
        loader.load(id).then(
          (budget) => (budget.customerId === id ? budget : { ...budget, customerId: id }),
          (error: unknown) => asError(error),
        ),
      ),
    );
  }

  @RequirePermission('write')
  @Mutation(() => SpendingBudgetModel, {
    description: "Sets a customer's usage spending budget in Partner Center and returns it.",
  })
  updateUsageBudget(
    @Args('input', { description: 'The customer and the new amount.' }) input: UpdateUsageBudgetInput,
    @Context('req') request: FastifyRequest,
  ): Promise<SpendingBudgetModel> {
    const idempotencyKey = idempotencyKeyFrom(
      keySources(input.idempotencyKey, (name) => headerValue(request, name)),
    );
    return this.usageBudgets.update(input.customerId, input.amount, {
      idempotencyKey,
      context: request.requestContext ?? undefined,
    });
  }
}

/**
 * The input rules of root fields, by field name, for the GraphQL module to check every root field of a document
 * (operation-input.listener.ts) before any of them runs, so that a document is never applied in part, and a query
 * with bad input in one field spends no Partner Center call on the others (its non-null field's error nulls the
 * whole `data`: their reads, still sent, went to no one). The very rules
 * the service and the resolver above apply, with the same configured maximums. Reads count towards one maximum per
 * request: aliases of `customerUsageBudgets` would otherwise multiply USAGE_BUDGET_BATCH_MAX_IDS (ten aliases of 500
 * ids: 5,000 upstream reads for one request, counted once by the caller's rate limit).
 */
export function usageBudgetInputChecks(
  config: UsageBudgetConfig,
): Record<string, (args: Record<string, unknown>, document: CheckedDocument) => FieldViolation[]> {
  return {
    customerUsageBudgets: ({ customerIds }, document) => {
      const ids = Array.isArray(customerIds) ? customerIds : [];
      const counted = countReads(document, ids, config.batchMaxIds);
      return counted.length > 0 ? counted : customerIdsViolations(ids, config.batchMaxIds);
    },
    customerUsageBudget: ({ customerId }, document) => {
      const counted = countReads(document, [customerId], config.batchMaxIds);
      return counted.length > 0 ? counted : customerIdViolations(customerId);
    },
    updateUsageBudget: ({ input }, document) => {
      const { customerId, amount, idempotencyKey } = (input ?? {}) as Partial<UpdateUsageBudgetInput>;
      const key = readIdempotencyKey(keySources(idempotencyKey, document.header));
      const violations = [...updateViolations(customerId, amount, config.maxAmount), ...key.violations];
      if (violations.length > 0 || key.key === undefined) return violations;
      // One key names one change: a later field reusing it for another change would be refused only once it ran,
      // after the earlier field's change was applied.
      const change: KeyedChange = { customerId: customerId!, amount: amount! };
      const earlier = document.earlier.get(key.key) as KeyedChange | undefined;
      if (earlier === undefined) document.earlier.set(key.key, change);
      if (earlier === undefined || sameChange(earlier, change)) return [];
      return [
        { field: 'idempotencyKey', message: 'names another change in an earlier field: one key, one change' },
      ];
    },
  };
}

/** Where a document's reads so far are kept for the checks of its later fields (idempotency keys are GUIDs). */
const CUSTOMERS_READ = 'customers read';

/** Counts a field's customers (repeats read once) into the document's; past the maximum, refuses the field. */
function countReads(document: CheckedDocument, ids: unknown[], max: number): FieldViolation[] {
  let read = document.earlier.get(CUSTOMERS_READ) as Set<string> | undefined;
  if (!read) document.earlier.set(CUSTOMERS_READ, (read = new Set()));
  for (const id of ids) read.add(String(id).toLowerCase());
  if (read.size <= max) return [];
  return [
    {
      field: 'customerIds',
      message: `a request reads at most ${max} customers in all (its fields together); this one reads ${read.size}`,
    },
  ];
}

/** What the GraphQL module tells a root field's check of the rest of the document. */
interface CheckedDocument {
  header(name: string): string | undefined;
  readonly earlier: Map<string, unknown>;
}

/**
 * Where one change's idempotency key may come from: its input, or the request's MS-RequestId / Idempotency-Key. A
 * client written against Partner Center (or the IETF draft) may send its key as a header on GraphQL too: honoured,
 * never ignored, or that client's retries would double the change it believes safe.
 */
function keySources(
  inputKey: string | null | undefined,
  header: (name: string) => string | undefined,
): KeySource[] {
  return [
    { header: 'idempotencyKey', value: inputKey ?? undefined },
    ...IDEMPOTENCY_KEY_HEADERS.map((name) => ({ header: name, value: header(name) })),
  ];
}

function headerValue(request: FastifyRequest, header: string): string | undefined {
  const value = request.headers[header.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}
