import { Logger } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { MemorySharedState } from './memory-shared-state';
import type { SharedState } from './shared-state';

/** INCR with the window's expiry set on the first event, and the time left, in one round trip. */
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {count, ttl}`;

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
  private down = false;
  /** Channels carry the prefix by hand: ioredis' keyPrefix does not apply to pub/sub. */
  private readonly prefix: string;

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
      connection.on('error', () => this.markDown());
      connection.on('ready', () => this.markUp());
    }
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.listeners.get(channel.slice(this.prefix.length)) ?? []) listener(message);
    });
  }

  get degraded(): boolean {
    return this.down || this.commands.status !== 'ready';
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

  tryLock(key: string, ttlMs: number): Promise<boolean> {
    return this.attempt(
      async () => (await this.commands.set(key, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK',
      () => this.fallback.tryLock(key, ttlMs),
    );
  }

  increment(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    return this.attempt(
      async () => {
        const [count, ttl] = (await this.commands.eval(INCREMENT, 1, key, String(Math.round(windowMs)))) as [
          number,
          number,
        ];
        return { count, resetInMs: ttl > 0 ? ttl : windowMs };
      },
      () => this.fallback.increment(key, windowMs),
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
    this.subscriber.subscribe(`${this.prefix}${channel}`).catch(() => this.markDown());
  }

  async close(): Promise<void> {
    this.commands.disconnect();
    this.subscriber.disconnect();
    await this.fallback.close();
  }

  private async attempt<T>(remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (this.commands.status !== 'ready') {
      this.markDown();
      return local();
    }
    try {
      return await remote();
    } catch {
      this.markDown();
      return local();
    }
  }

  private markDown(): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(
      'Redis is unreachable: serving from this process’s memory until it is back (shared limits and caches are per replica meanwhile)',
    );
  }

  private markUp(): void {
    if (!this.down || this.commands.status !== 'ready') return;
    this.down = false;
    this.logger.log('Redis is reachable again: shared state resumed');
  }
}
