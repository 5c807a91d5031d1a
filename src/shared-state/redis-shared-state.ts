import { Logger } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { MemorySharedState } from './memory-shared-state';
import type { Admission, SharedState, SharedWrite } from './shared-state';

/** The value a key holds, or SET with expiry when it holds none, in one round trip (SET NX GET needs Redis 7). */
const SET_IF_ABSENT = `
local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

/** SET with expiry only while the key holds ARGV[1] (compare-and-set; a missing key holds none): 1 when set. */
const REPLACE_IF = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/** DEL only while the key holds ARGV[1]: 1 when deleted. */
const DELETE_IF = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

/** How often a replica that found Redis away asks whether it answers again. */
const PROBE_MS = 1_000;

/** Now on the server's clock, in ms (TIME): the one clock every replica agrees on. */
const SERVER_NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Keeps a field's deadline (the later one), drops the fields already past, and makes the hash live as long as its
 * last deadline, in one round trip. KEYS[1] hash, ARGV[1] field, ARGV[2] ms from now.
 */
const EXTEND_DEADLINE = `${SERVER_NOW}
local ms = tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= now then redis.call('HDEL', KEYS[1], all[i]) end
end
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if now + ms > current then redis.call('HSET', KEYS[1], ARGV[1], now + ms) end
if redis.call('PTTL', KEYS[1]) < ms then redis.call('PEXPIRE', KEYS[1], ms) end
return 1`;

/**
 * A sliding window log: the events of the last ARGV[1] ms, scored by the server's clock; one more (member ARGV[3])
 * only when fewer than ARGV[2] are in it. {admitted, count with this one, ms until the oldest leaves}. KEYS[1] zset.
 */
const ADMIT = `${SERVER_NOW}
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local admitted = 0
if count < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  admitted = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
return {admitted, count + 1, (tonumber(oldest) or now) + window - now}`;

/** Moves the event ARGV[1] of the window KEYS[1] ARGV[2] ms later; the window lives ARGV[3] ms past it. */
const DELAY_ADMISSION = `local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not at then return 0 end
redis.call('ZADD', KEYS[1], tonumber(at) + tonumber(ARGV[2]), ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`;

/** The deadlines still ahead, as {field, ms left, …}. KEYS[1] hash. */
const DEADLINES = `${SERVER_NOW}
local all = redis.call('HGETALL', KEYS[1])
local left = {}
for i = 1, #all, 2 do
  local ms = tonumber(all[i + 1]) - now
  if ms > 0 then
    left[#left + 1] = all[i]
    left[#left + 1] = ms
  end
end
return left`;

/**
 * The fleet's shared state in Redis (ioredis). Commands fail fast while Redis is away (no offline queue, a short
 * command timeout) and the same operation is answered from this process's memory instead, with one warning per
 * outage: reads and shaping fail open, and writes stay protected by Partner Center's own MS-RequestId idempotency.
 * ioredis reconnects by itself; `degraded` is true until it has.
 */
export class RedisSharedState implements SharedState {
  readonly backend = 'redis' as const;
  private readonly logger = new Logger('SharedState');
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly fallback = new MemorySharedState();
  private readonly listeners = new Map<string, Array<(message: string) => void>>();
  private readonly connectedListeners: Array<() => void> = [];
  private down = false;
  /**
   * A command failed on a connection that is up (a stall, or an overloaded Redis): the next ones are answered from
   * memory at once, not after a command timeout each, until Redis answers the probe again.
   */
  private stalled = false;
  /** While Redis is known away: asks it now and then whether it answers again (see markDown). */
  private probe?: NodeJS.Timeout;
  /** The reasons told to the operator during the current outage. */
  private readonly downReasons = new Set<string>();
  /** Channels carry the prefix by hand: ioredis' keyPrefix does not apply to pub/sub. */
  private readonly prefix: string;
  /**
   * Names this process's events in sliding windows: two at the same millisecond stay two. Short: a caller at its
   * limit keeps RATE_LIMIT_PER_MINUTE of them in Redis.
   */
  private readonly eventPrefix = randomBytes(6).toString('base64url');
  private events = 0;

  constructor(url: string, keyPrefix: string, options: RedisOptions = {}) {
    const common: RedisOptions = {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
      ...options,
    };
    this.commands = new Redis(url, { ...common, keyPrefix });
    // A subscribed connection can only subscribe.
    this.subscriber = new Redis(url, { ...common, enableOfflineQueue: true });
    this.prefix = keyPrefix;
    for (const connection of [this.commands, this.subscriber]) {
      connection.on('error', (error: unknown) => this.markDown(error));
      connection.on('ready', () => this.markUp());
    }
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.listeners.get(channel.slice(this.prefix.length)) ?? []) listener(message);
    });
  }

  get degraded(): boolean {
    return this.down || this.commands.status !== 'ready';
  }

  get listening(): boolean {
    return this.subscriber.status === 'ready';
  }

  get(key: string): Promise<string | undefined> {
    return this.attempt(
      async () => (await this.commands.get(key)) ?? undefined,
      () => this.fallback.get(key),
    );
  }

  getMany(keys: string[]): Promise<Array<string | undefined>> {
    return this.attempt(
      async () => (await this.commands.mget(...keys)).map((value) => value ?? undefined),
      () => this.fallback.getMany(keys),
    );
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    return this.attempt(
      async () => void (await this.commands.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)))),
      () => this.fallback.set(key, value, ttlMs),
    );
  }

  delete(key: string): Promise<void> {
    return this.attempt(
      async () => void (await this.commands.del(key)),
      () => this.fallback.delete(key),
    );
  }

  writeMany(writes: SharedWrite[]): Promise<void> {
    return this.attempt(
      async () => {
        const batch = this.commands.multi();
        for (const write of writes) {
          if ('delete' in write) batch.del(write.key);
          else batch.set(write.key, write.value, 'PX', Math.max(1, Math.round(write.ttlMs)));
        }
        const results = await batch.exec();
        const failed = results?.find(([error]) => error);
        if (!results || failed) throw failed?.[0] ?? new Error('MULTI was discarded');
      },
      () => this.fallback.writeMany(writes),
    );
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<string | undefined> {
    return this.attempt(
      async () =>
        ((await this.commands.eval(SET_IF_ABSENT, 1, key, value, String(Math.max(1, Math.round(ttlMs))))) as
          | string
          | null) ?? undefined,
      () => this.fallback.setIfAbsent(key, value, ttlMs),
    );
  }

  replaceIf(key: string, expected: string, value: string, ttlMs: number): Promise<boolean> {
    return this.attempt(
      async () =>
        (await this.commands.eval(
          REPLACE_IF,
          1,
          key,
          expected,
          value,
          String(Math.max(1, Math.round(ttlMs))),
        )) === 1,
      () => this.fallback.replaceIf(key, expected, value, ttlMs),
    );
  }

  deleteIf(key: string, expected: string): Promise<boolean> {
    return this.attempt(
      async () => (await this.commands.eval(DELETE_IF, 1, key, expected)) === 1,
      () => this.fallback.deleteIf(key, expected),
    );
  }

  tryLock(key: string, ttlMs: number): Promise<boolean> {
    return this.attempt(
      async () => (await this.commands.set(key, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK',
      () => this.fallback.tryLock(key, ttlMs),
    );
  }

  admit(key: string, limit: number, windowMs: number): Promise<Admission> {
    return this.attempt(
      async () => {
        const window = String(Math.max(1, Math.round(windowMs)));
        const event = `${this.eventPrefix}${(++this.events).toString(36)}`;
        const [admitted, count, slotFreeInMs] = (await this.commands.eval(
          ADMIT,
          1,
          key,
          window,
          String(limit),
          event,
        )) as [number, number, number];
        return { admitted: admitted === 1, ...(admitted === 1 && { ticket: event }), count, slotFreeInMs };
      },
      () => this.fallback.admit(key, limit, windowMs),
    );
  }

  delayAdmission(key: string, ticket: string, delayMs: number, windowMs: number): Promise<void> {
    const ms = String(Math.max(0, Math.round(delayMs)));
    return this.attempt(
      async () => {
        await this.commands.eval(DELAY_ADMISSION, 1, key, ticket, ms, String(Math.round(windowMs + delayMs)));
      },
      () => this.fallback.delayAdmission(key, ticket, delayMs),
    );
  }

  extendDeadline(key: string, field: string, ms: number): Promise<void> {
    return this.attempt(
      async () =>
        void (await this.commands.eval(EXTEND_DEADLINE, 1, key, field, String(Math.max(1, Math.round(ms))))),
      () => this.fallback.extendDeadline(key, field, ms),
    );
  }

  deadlines(key: string): Promise<Map<string, number>> {
    return this.attempt(
      async () => {
        const flat = (await this.commands.eval(DEADLINES, 1, key)) as Array<string | number>;
        const left = new Map<string, number>();
        for (let i = 0; i + 1 < flat.length; i += 2) left.set(String(flat[i]), Number(flat[i + 1]));
        return left;
      },
      () => this.fallback.deadlines(key),
    );
  }

  publish(channel: string, message: string): Promise<void> {
    return this.attempt(
      async () => void (await this.commands.publish(`${this.prefix}${channel}`, message)),
      () => this.fallback.publish(channel, message),
    );
  }

  subscribe(channel: string, onMessage: (message: string) => void): void {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), onMessage]);
    this.fallback.subscribe(channel, onMessage);
    this.subscriber.subscribe(`${this.prefix}${channel}`).catch((error: unknown) => this.markDown(error));
  }

  onConnected(listener: () => void): void {
    // 'ready' follows every connection, the first and each reconnection. The subscriber's too: the messages sent
    // while it was away (it may drop alone) are lost to this process, and what they said is loaded instead.
    // And the end of a stall (no 'ready' then): what this process published or stored meanwhile reached nobody.
    this.connectedListeners.push(listener);
    this.commands.on('ready', listener);
    this.subscriber.on('ready', listener);
    if (this.commands.status === 'ready') queueMicrotask(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.probe);
    this.commands.disconnect();
    this.subscriber.disconnect();
    await this.fallback.close();
  }

  private async attempt<T>(remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (this.commands.status !== 'ready' || this.stalled) {
      // Why it is not connected came with its 'error' event: this says nothing new once Redis is known away.
      if (!this.down) this.markDown(`not connected (${this.commands.status})`);
      return local();
    }
    try {
      const value = await remote();
      // The subscriber's trouble marked Redis down; a command that answers says the replica shares state again.
      if (this.down) this.markUp();
      return value;
    } catch (error) {
      this.stalled = true;
      this.markDown(error);
      return local();
    }
  }

  /**
   * `cause`: why, for the operator (Redis's own words: WRONGPASS, a refused connection, a certificate not trusted).
   * One line when Redis goes away, and one for each other reason while it stays away (a reconnection that fails the
   * same way every two seconds says nothing new; a few reasons at most per outage).
   */
  private markDown(cause: unknown): void {
    const reason = describeCause(cause);
    if (this.down && (this.downReasons.has(reason) || this.downReasons.size >= 5)) return;
    this.logger.warn(
      this.down
        ? `Redis is still unreachable (${reason})`
        : `Redis is unreachable (${reason}): serving from this process’s memory until it is back (shared limits and caches are per replica meanwhile)`,
    );
    this.down = true;
    this.downReasons.add(reason);
    // A stall (commands timed out on a connection that stayed up) ends with no 'ready' event, and only a command that
    // answers would tell: an idle replica would report the outage, and refuse shared work, long after it ended.
    this.probe ??= setInterval(() => this.ping(), PROBE_MS).unref();
  }

  /** A disconnected client says it is back by its 'ready' event; a connected one (a stall) is asked. */
  private ping(): void {
    if (!this.down || this.commands.status !== 'ready') return;
    this.commands.ping().then(
      () => {
        const stalled = this.stalled;
        this.markUp();
        if (stalled && !this.down) for (const listener of this.connectedListeners) listener();
      },
      () => undefined,
    );
  }

  private markUp(): void {
    if (!this.down || this.commands.status !== 'ready') return;
    clearInterval(this.probe);
    this.probe = undefined;
    this.stalled = false;
    this.down = false;
    this.downReasons.clear();
    // Memory stood in for Redis while it was away, no longer: what it kept (cache entries, answers, counters) may
    // predate what the fleet did meanwhile, and would be served again in the next outage.
    this.fallback.clear();
    this.logger.log('Redis is reachable again: shared state resumed');
  }
}

/** An error's message, short and with no credentials: a URL in it keeps its host, never its user or password. */
function describeCause(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.replace(/\/\/[^/@\s]*@/g, '//').slice(0, 200);
}
