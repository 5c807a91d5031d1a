/**
 * State that replicas of the gateway share so a fleet behaves as one gateway: tokens, locks, throttle pauses,
 * rate counters, cached reads and write outcomes. In memory for a single process (no REDIS_URL), in Redis for a
 * fleet. Every operation is best effort: when Redis fails, the Redis backend answers from memory instead (fail
 * open) and says so through `degraded`.
 */
export interface SharedState {
  readonly backend: 'memory' | 'redis';
  /** True while Redis is configured but not reachable: the process serves from memory. */
  readonly degraded: boolean;
  /**
   * True while what other processes publish reaches this one: always in memory; with Redis, while its subscription is
   * connected (a message published while it is away is lost to it, even when its commands are answered).
   */
  readonly listening: boolean;
  get(key: string): Promise<string | undefined>;
  /** Several keys in one round trip (MGET), in the order asked. */
  getMany(keys: string[]): Promise<Array<string | undefined>>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Several sets and deletes in one round trip, applied in order and together (MULTI). */
  writeMany(writes: SharedWrite[]): Promise<void>;
  /** Stores `value` for `ttlMs` unless the key holds one: undefined when stored, else the value it holds (atomic). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<string | undefined>;
  /**
   * Stores `value` for `ttlMs` only while the key holds `expected` (compare-and-set, atomic): true when it did, false
   * when the key holds anything else or nothing. A value moves on only from the state its writer saw. Answered from
   * memory while `degraded`, as every operation is: true then says nothing of what other processes hold.
   */
  replaceIf(key: string, expected: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes the key only while it holds `expected` (atomic): true when it did. */
  deleteIf(key: string, expected: string): Promise<boolean>;
  /** Takes a lock for `ttlMs` when nobody holds it (SET NX PX); false when another process does. */
  tryLock(key: string, ttlMs: number): Promise<boolean>;
  /**
   * A sliding window: counts one more event in `key` when fewer than `limit` happened in the last `windowMs` (an
   * event refused is not counted), so no span of `windowMs` ever holds more than `limit`. How many with this one,
   * and in how long the oldest leaves the window (a slot frees). On the store's clock (Redis' TIME).
   */
  admit(key: string, limit: number, windowMs: number): Promise<Admission>;
  /**
   * Moves an event `admit` counted (its `ticket`) `delayMs` later in the window of `key`: what it counted happened
   * later than it was admitted (a request that waited for a connection), and the window must say when.
   */
  delayAdmission(key: string, ticket: string, delayMs: number, windowMs: number): Promise<void>;
  /**
   * Keeps `field` of the deadline set `key` for `ms` more (the later deadline wins); the set expires with its last
   * deadline. Deadlines are on the store's clock (Redis' TIME), so replicas' clocks need not agree.
   */
  extendDeadline(key: string, field: string, ms: number): Promise<void>;
  /** The deadlines of `key` still ahead, as milliseconds left per field. */
  deadlines(key: string): Promise<Map<string, number>>;
  publish(channel: string, message: string): Promise<void>;
  /** Messages published on the channel by any process, this one included. */
  subscribe(channel: string, onMessage: (message: string) => void): void;
  /**
   * Runs `listener` each time the process (re)connects to Redis, the first connection included (at once when it is
   * connected already), and when Redis answers again after a stall: what was shared while it was away can be loaded
   * then, and what it could not share, shared. Never, without Redis.
   */
  onConnected(listener: () => void): void;
  close(): Promise<void>;
}

export interface Admission {
  admitted: boolean;
  /** Names the event counted, when admitted (for delayAdmission). */
  ticket?: string;
  count: number;
  slotFreeInMs: number;
}

/** One write of a batch: a value with its expiry, or a key's removal. */
export type SharedWrite = { key: string; value: string; ttlMs: number } | { key: string; delete: true };

export const SHARED_STATE = Symbol('SHARED_STATE');
