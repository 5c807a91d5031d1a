import { decimal, Env } from '../config/env';

export interface UsageBudgetConfig {
  /** The largest amount a caller may set (USAGE_BUDGET_MAX_AMOUNT). */
  maxAmount: number;
}

export const USAGE_BUDGET_CONFIG = Symbol('USAGE_BUDGET_CONFIG');

export function usageBudgetConfigFromEnv(env: Env): UsageBudgetConfig {
  return { maxAmount: decimal(env, 'USAGE_BUDGET_MAX_AMOUNT', 1_000_000_000, 1, 1e15) };
}
