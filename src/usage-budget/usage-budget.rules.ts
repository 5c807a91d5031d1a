import { FieldViolation } from '../common/invalid-input.error';
import { isGuid } from '../common/guid';

// The domain's rules for a usage-budget request, checked once in the service for both adapters,
// so that nothing Partner Center would refuse (or should never see) leaves the gateway.

/** Partner Center answers a non-GUID tenant id with 400 (code 2000); say it ourselves, without a call. */
export function customerIdViolations(customerId: unknown): FieldViolation[] {
  return isGuid(customerId)
    ? []
    : [{ field: 'customerId', message: 'customerId must be a GUID (the customer tenant id)' }];
}

export function amountViolations(amount: unknown, maxAmount: number): FieldViolation[] {
  const violation = (message: string): FieldViolation[] => [{ field: 'amount', message }];
  if (typeof amount !== 'number') return violation('amount must be a number');
  if (!Number.isFinite(amount)) return violation('amount must be a finite number');
  if (amount < 0) return violation('amount must not be negative');
  if (amount > maxAmount) return violation(`amount must be at most ${maxAmount}`);
  return [];
}

/**
 * A change: the customer and the new amount. Checked by the service for both adapters, and by GraphQL for every
 * mutation field of a document before any of them runs.
 */
export function updateViolations(customerId: unknown, amount: unknown, maxAmount: number): FieldViolation[] {
  return [...customerIdViolations(customerId), ...amountViolations(amount, maxAmount)];
}

/**
 * A batched read: a non-empty list of GUIDs naming no more customers than the configured maximum. A repeat (in any
 * letter case) is read once, so it takes no place of its own: as the GraphQL document's check counts them.
 */
export function customerIdsViolations(customerIds: unknown[], maxIds: number): FieldViolation[] {
  if (customerIds.length === 0)
    return [{ field: 'customerIds', message: 'customerIds must name at least one customer' }];
  const customers =
    customerIds.length > maxIds ? new Set(customerIds.map((id) => String(id).toLowerCase())).size : 0;
  if (customers > maxIds) {
    return [
      {
        field: 'customerIds',
        message: `customerIds may name at most ${maxIds} customers, got ${customers}`,
      },
    ];
  }
  return customerIds.flatMap((id, index) =>
    customerIdViolations(id).map((violation) => ({ ...violation, field: `customerIds[${index}]` })),
  );
}
