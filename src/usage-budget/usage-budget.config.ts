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

/** One id in a GraphQL variables list: a GUID (36), its quotes, a comma and a space, and a byte to spare. */
const BATCH_BYTES_PER_ID = 41;
/** The batch query and the JSON around its variables. */
const BATCH_QUERY_BYTES = 1_024;

/** The request body a batch of `batchMaxIds` customer ids needs, sent as GraphQL variables. */
export function batchRequestBytes(batchMaxIds: number): number {
  return batchMaxIds * BATCH_BYTES_PER_ID + BATCH_QUERY_BYTES;
}

export function usageBudgetConfigFromEnv(env: Env): UsageBudgetConfig {
  return {
    maxAmount: decimal(env, 'USAGE_BUDGET_MAX_AMOUNT', 1_000_000_000, 1, 1e15),
    cacheTtlMs: integer(env, 'USAGE_BUDGET_CACHE_TTL_MS', 0, 0, 3_600_000),
    batchMaxIds: integer(env, 'USAGE_BUDGET_BATCH_MAX_IDS', 500, 1, 5_000),
  };
}
