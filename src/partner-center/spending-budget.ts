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
 * refuses what is not one: a 200 that cannot be read is an upstream fault, not a budget of null.
 */
export function parseSpendingBudget(body: unknown, requestId: string): PartnerCenterSpendingBudget {
  const object =
    body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const field = (name: string): unknown => (object ? caseInsensitiveField(object, name) : undefined);
  const amount = field('amount');
  const usage = field('usageSpendingBudget');
  if (!object || !isNumberOrNull(amount) || !(usage === undefined || isNumberOrNull(usage))) {
    throw new PartnerCenterError(
      { kind: 'rejected', source: 'partner-center', status: 200, requestId, attempts: 1 },
      'Partner Center answered 200 with a body that is not a SpendingBudget',
    );
  }
  const attributes = field('attributes') as PartnerCenterSpendingBudget['attributes'];
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
