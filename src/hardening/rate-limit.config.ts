import { Env, integer } from '../config/env';

export interface RateLimitConfig {
  /** Requests per caller per minute; 0 turns the limit off. */
  perMinute: number;
}

export const RATE_LIMIT_CONFIG = Symbol('RATE_LIMIT_CONFIG');

export function rateLimitConfigFromEnv(env: Env): RateLimitConfig {
  return { perMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000) };
}
