import { caseInsensitiveField } from './case-insensitive-field';
import { PartnerCenterError } from './errors/partner-center-error';

/** Partner Center's SpendingBudget resource, as it answers it (camelCase; optional parts really are optional). */
export interface PartnerCenterSpendingBudget {
  /** null: the customer has no budget. */
  amount: number | null;
  usageSpendingBudget?: number | null;
  attributes?: { objectType?: string };
  links?: { self?: { uri?: string; method?: string; headers?: unknown[] } };
}

/**
 * Reads a SpendingBudget loosely (property names in any case, `usageSpendingBudget` and `links` optional) but
 * refuses what is not one: a 200 that cannot be read is an upstream fault, not a budget of null. `amount` may be
 * left out (a serializer that drops nulls) only by an answer that says it is a SpendingBudget
 * (`attributes.objectType`): `{}`, an error's shape or another resource under a 200 are not "no budget set".
 * `amountRequired`: an answer without `amount` is not read as "no budget" (a write's answer: the write set one).
 */
export function parseSpendingBudget(
  body: unknown,
  requestId: string,
  answer: { status: number; amountRequired?: boolean } = { status: 200 },
): PartnerCenterSpendingBudget {
  const object =
    body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const field = (name: string): unknown => (object ? caseInsensitiveField(object, name) : undefined);
  const amount = field('amount');
  const usage = field('usageSpendingBudget');
  const attributes = field('attributes') as PartnerCenterSpendingBudget['attributes'];
  if (
    !object ||
    !isNumberOrNull(amount) ||
    (amount === undefined && (answer.amountRequired || !saysSpendingBudget(attributes))) ||
    !(usage === undefined || isNumberOrNull(usage))
  ) {
    throw new PartnerCenterError(
      { kind: 'rejected', source: 'partner-center', status: answer.status, requestId, attempts: 1 },
      `Partner Center answered ${answer.status} with a body that is not a SpendingBudget`,
    );
  }
  const links = field('links') as PartnerCenterSpendingBudget['links'];
  return {
    amount: amount ?? null,
    ...(usage !== undefined && { usageSpendingBudget: usage as number | null }),
    ...(attributes && typeof attributes === 'object' && { attributes }),
    ...(links && typeof links === 'object' && { links }),
  };
}

function isNumberOrNull(value: unknown): value is number | null | undefined {
  return value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value));
}

/** `attributes.objectType` is "SpendingBudget" (in any case, as Partner Center reads names). */
function saysSpendingBudget(attributes: unknown): boolean {
  if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes)) return false;
  const objectType = caseInsensitiveField(attributes as Record<string, unknown>, 'objectType');
  return typeof objectType === 'string' && objectType.toLowerCase() === 'spendingbudget';
}
