import type { Admission, SharedState, SharedWrite } from './shared-state';

interface Entry {
  value: string;
  expiresAt: number;
}

/** Past this many keys, expired ones are swept, so memory stays bounded under many callers or customers. */
const SWEEP_AT = 50_000;

/** One process's shared state: what a fleet keeps in Redis, kept here in maps with expiries. */
export class MemorySharedState implements SharedState {
  readonly backend = 'memory' as const;
  readonly degraded = false;
  readonly listening = true;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Map<string, Array<(message: string) => void>>();
  private readonly deadlineSets = new Map<string, Map<string, number>>();
  /** Sliding windows: each key's admitted events, oldest first, and the window they were counted in. */
  private readonly windows = new Map<string, { at: number[]; windowMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value;
  }

  async getMany(keys: string[]): Promise<Array<string | undefined>> {
    return keys.map((key) => this.live(key)?.value);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.put(key, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async writeMany(writes: SharedWrite[]): Promise<void> {
    for (const write of writes) {
      if ('delete' in write) this.entries.delete(write.key);
      else this.put(write.key, write.value, write.ttlMs);
    }
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    const held = this.live(key);
    if (held) return held.value;
    this.put(key, value, ttlMs);
    return undefined;
  }

  async replaceIf(key: string, expected: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)?.value !== expected) return false;
    this.put(key, value, ttlMs);
    return true;
  }

  async deleteIf(key: string, expected: string): Promise<boolean> {
    if (this.live(key)?.value !== expected) return false;
    this.entries.delete(key);
    return true;
  }

  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.put(key, '1', ttlMs);
    return true;
  }

  async admit(key: string, limit: number, windowMs: number): Promise<Admission> {
    const now = this.now();
    if (this.windows.size >= SWEEP_AT) {
      for (const [k, w] of this.windows)
        if (w.at[w.at.length - 1] <= now - w.windowMs) this.windows.delete(k);
    }
    const window = this.windows.get(key) ?? { at: [], windowMs };
    window.windowMs = windowMs;
    let left = 0;
    while (left < window.at.length && window.at[left] <= now - windowMs) left++;
    window.at.splice(0, left);
    const admitted = window.at.length < limit;
    if (admitted) window.at.push(now);
    this.windows.set(key, window);
    return {
      admitted,
      ...(admitted && { ticket: String(now) }),
      count: window.at.length + (admitted ? 0 : 1),
      slotFreeInMs: (window.at[0] ?? now) + windowMs - now,
    };
  }

  async delayAdmission(key: string, ticket: string, delayMs: number): Promise<void> {
    const window = this.windows.get(key);
    // Events at the same time are alike: moving any one of them is moving this one.
    const at = window?.at.indexOf(Number(ticket)) ?? -1;
    if (!window || at < 0) return;
    const later = window.at[at] + delayMs;
    window.at.splice(at, 1);
    let insertAt = window.at.length;
    while (insertAt > 0 && window.at[insertAt - 1] > later) insertAt--;
    window.at.splice(insertAt, 0, later);
  }

  async extendDeadline(key: string, field: string, ms: number): Promise<void> {
    const now = this.now();
    const set = this.deadlineSets.get(key) ?? new Map<string, number>();
    for (const [f, until] of set) if (until <= now) set.delete(f);
    set.set(field, Math.max(set.get(field) ?? 0, now + ms));
    this.deadlineSets.set(key, set);
  }

  async deadlines(key: string): Promise<Map<string, number>> {
    const now = this.now();
    const left = new Map<string, number>();
    for (const [field, until] of this.deadlineSets.get(key) ?? [])
      if (until > now) left.set(field, until - now);
    return left;
  }

  async publish(channel: string, message: string): Promise<void> {
    for (const listener of this.listeners.get(channel) ?? []) listener(message);
  }

  subscribe(channel: string, onMessage: (message: string) => void): void {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), onMessage]);
  }

  /** One process has nothing to reconnect to. */
  onConnected(): void {}

  /** Forgets every key and deadline (the listeners stay). */
  clear(): void {
    this.entries.clear();
    this.deadlineSets.clear();
    this.windows.clear();
  }

  async close(): Promise<void> {
    this.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(key: string, value: string, ttlMs: number): Entry {
    if (this.entries.size >= SWEEP_AT) {
      const now = this.now();
      for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    }
    const entry = { value, expiresAt: this.now() + Math.max(1, ttlMs) };
    this.entries.set(key, entry);
    return entry;
  }
}
