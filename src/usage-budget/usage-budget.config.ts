import { decimal, Env, integer } from '../config/env';

export interface UsageBudgetConfig {
  /** The largest amount a caller may set (USAGE_BUDGET_MAX_AMOUNT). */
  maxAmount: number;
  /** How long a read answer may be served again; 0 turns the read cache off (USAGE_BUDGET_CACHE_TTL_MS). */
  cacheTtlMs: number;
  /** The most customer ids one batched read may name (USAGE_BUDGET_BATCH_MAX_IDS). */
  batchMaxIds: number;
}

export const USAGE_BUDGET_CONFIG = Symbol('USAGE_BUDGET_CONFIG');

export function usageBudgetConfigFromEnv(env: Env): UsageBudgetConfig {
  return {
    maxAmount: decimal(env, 'USAGE_BUDGET_MAX_AMOUNT', 1_000_000_000, 1, 1e15),
    cacheTtlMs: integer(env, 'USAGE_BUDGET_CACHE_TTL_MS', 0, 0, 3_600_000),
    batchMaxIds: integer(env, 'USAGE_BUDGET_BATCH_MAX_IDS', 500, 1, 5_000),
  };
}
