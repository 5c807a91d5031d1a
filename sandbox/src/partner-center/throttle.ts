import type { ThrottleConfig } from '../types';

/** Past this many scopes, ended windows are dropped, so a flood of customer ids cannot grow memory without bound. */
const MAX_TRACKED_WINDOWS = 10_000;

interface Window {
  endsAt: number;
  count: number;
}

/** What the throttle decided: go ahead, or wait this many whole seconds (at least 1) for the window to end. */
export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Partner Center's request limits, per partner tenant and per partner + customer, in fixed windows. A window opens
 * with the first request after the previous one ended. A throttled request uses none of the window, so a client that
 * honours Retry-After gets the full limit in the next one.
 */
export class Throttle {
  private config: ThrottleConfig | undefined;
  private windows = new Map<string, Window>();
  private throttledCount = 0;

  constructor(private readonly now: () => number = Date.now) {}

  set(config: ThrottleConfig | undefined): void {
    this.config = config === undefined ? undefined : validThrottle(config);
    this.windows.clear();
  }

  get(): ThrottleConfig | undefined {
    return this.config && { ...this.config };
  }

  throttled(): number {
    return this.throttledCount;
  }

  /** Counts one Partner Center request of this partner for this customer, unless a limit is already reached. */
  admit(partnerTenantId: string, customerId: string): ThrottleDecision {
    const config = this.config;
    if (!config) return { allowed: true };
    const now = this.now();
    const scopes: [string, number | undefined][] = [
      [`partner:${partnerTenantId.toLowerCase()}`, config.perPartner],
      [`customer:${partnerTenantId.toLowerCase()}:${customerId.toLowerCase()}`, config.perCustomer],
    ];
    const windows: Window[] = [];
    let waitMs = 0;
    for (const [key, limit] of scopes) {
      if (limit === undefined) continue;
      const window = this.current(key, now, config.windowMs);
      if (window.count >= limit) waitMs = Math.max(waitMs, window.endsAt - now);
      windows.push(window);
    }
    if (waitMs > 0) {
      this.throttledCount++;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    windows.forEach((w) => w.count++);
    return { allowed: true };
  }

  /** New windows and a zero counter; the setting stays. */
  reset(): void {
    this.windows.clear();
    this.throttledCount = 0;
  }

  private current(key: string, now: number, windowMs: number): Window {
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      if (this.windows.size >= MAX_TRACKED_WINDOWS) this.dropEnded(now);
      window = { endsAt: now + windowMs, count: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  private dropEnded(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}

/** Checks a throttle setting from options, env or the admin API; throws with the reason. */
export function validThrottle(config: ThrottleConfig): ThrottleConfig {
  if (typeof config !== 'object' || config === null) throw new Error('throttle must be an object');
  const { windowMs, perPartner, perCustomer } = config;
  if (!Number.isInteger(windowMs) || windowMs < 1)
    throw new Error('throttle.windowMs must be a positive integer');
  for (const [name, limit] of [
    ['perPartner', perPartner],
    ['perCustomer', perCustomer],
  ] as const) {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new Error(`throttle.${name} must be a positive integer`);
  }
  if (perPartner === undefined && perCustomer === undefined)
    throw new Error('throttle needs perPartner, perCustomer or both');
  return {
    windowMs,
    ...(perPartner !== undefined && { perPartner }),
    ...(perCustomer !== undefined && { perCustomer }),
  };
}
