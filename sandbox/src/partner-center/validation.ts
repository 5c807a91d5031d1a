const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export type BudgetUpdate = { amount: number } | { invalid: string };

/** Reads a PATCH body the way Partner Center does: property names case-insensitive, Amount a non-negative number. */
export function parseBudgetUpdate(body: string): BudgetUpdate {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { invalid: 'The request body is not valid JSON.' };
  }
  if (!isObject(parsed)) return { invalid: 'The request body must be a SpendingBudget object.' };
  const amount = property(parsed, 'amount');
  if (amount === undefined) return { invalid: "The 'Amount' property is required." };
  if (typeof amount !== 'number' || !Number.isFinite(amount))
    return { invalid: "The 'Amount' property must be a number." };
  if (amount < 0) return { invalid: "The 'Amount' property must not be negative." };
  const attributes = property(parsed, 'attributes');
  if (attributes !== undefined && attributes !== null) {
    const objectType = isObject(attributes) ? property(attributes, 'objectType') : undefined;
    if (
      !isObject(attributes) ||
      (objectType !== undefined && String(objectType).toLowerCase() !== 'spendingbudget')
    ) {
      return { invalid: "Attributes.ObjectType must be 'SpendingBudget'." };
    }
  }
  return { amount };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function property(object: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : object[key];
}
