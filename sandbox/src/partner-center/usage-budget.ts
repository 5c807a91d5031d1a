import { json, type SandboxReply, type SandboxRequest } from '../http/exchange';
import type { SandboxAuthority } from '../identity/authority';
import type { TokenLedger } from '../identity/token-ledger';
import { rejectBearerToken } from './authorization';
import { partnerCenterError, rateLimitExceeded } from './errors';
import type { IdempotencyStore } from './idempotency';
import type { CustomerStore } from './store';
import type { Throttle } from './throttle';
import type { VerifiedTokens } from './verified-tokens';
import { isGuid, parseBudgetUpdate } from './validation';

export interface UsageBudgetDeps {
  authority: SandboxAuthority;
  ledger: TokenLedger;
  store: CustomerStore;
  idempotency: IdempotencyStore;
  throttle: Throttle;
  verifiedTokens: VerifiedTokens;
}

/** Body validation failures: Partner Center publishes no code for them, so the sandbox uses 2001 (see README). */
const INVALID_BODY_CODE = 2001;

/** GET and PATCH /v1/customers/{id}/usagebudget, with Partner Center's checks in its order (the throttle after the token). */
export async function handleUsageBudget(
  request: SandboxRequest,
  customerId: string,
  deps: UsageBudgetDeps,
): Promise<SandboxReply> {
  const denied = await rejectBearerToken(
    request.headers.authorization,
    deps.authority,
    deps.ledger,
    deps.verifiedTokens,
  );
  if (denied) return denied;
  // Only a valid token of this tenant gets here, so the partner is the sandbox's tenant.
  const admission = deps.throttle.admit(deps.authority.tenantId, customerId);
  if (!admission.allowed)
    return rateLimitExceeded(admission.retryAfterSeconds, String(admission.retryAfterSeconds));
  if (!isGuid(customerId)) return partnerCenterError(400, 2000, 'Tenant Id must be a GUID');

  const requestId = request.headers['ms-requestid'];
  const isUpdate = request.method === 'PATCH';
  const replay = isUpdate ? deps.idempotency.replay(requestId) : undefined;
  if (replay) return replay;

  const update = isUpdate ? parseBudgetUpdate(request.body) : undefined;
  if (update && 'invalid' in update) return partnerCenterError(400, INVALID_BODY_CODE, update.invalid);

  const customer = deps.store.find(customerId);
  if (!customer) return partnerCenterError(404, 60003, `Tenant ${customerId} not found`);
  if (customer.behavior === 'not-found-empty-body') return { status: 404, body: '' };
  if (customer.behavior === 'no-commerce-relationship') {
    return partnerCenterError(
      403,
      20002,
      `The partner ID ${deps.authority.tenantId} has no commerce relationship with the customer ID ${customer.id}.`,
    );
  }
  if (!update) return json(200, deps.store.budgetOf(customer));

  deps.store.setAmount(customer.id, update.amount);
  const reply = json(200, deps.store.budgetOf({ ...customer, amount: update.amount }));
  deps.idempotency.remember(requestId, reply);
  return reply;
}
