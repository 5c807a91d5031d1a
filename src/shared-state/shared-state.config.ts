import { ConfigError, Env, integer, read, secret } from '../config/env';
import { decodedComponent } from '../common/uri-component';

/** REDIS_URL (or REDIS_URL_FILE, since it may carry a password): a fleet's shared state; absent: memory. */
export interface SharedStateConfig {
  redisUrl?: string;
  keyPrefix: string;
  /** How long a Redis command may take before this process answers from memory instead (fail open). */
  commandTimeoutMs: number;
}

export function sharedStateConfigFromEnv(env: Env): SharedStateConfig {
  const redisUrl = secret(env, 'REDIS_URL');
  const keyPrefix = read(env, 'REDIS_KEY_PREFIX') ?? 'usage-budget-gateway:';
  if (redisUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(redisUrl);
    } catch {
      throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
    }
    // The URL may hold a password: never quote it back.
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw new ConfigError('REDIS_URL', `must use redis:// or rediss:// (TLS), got ${url.protocol}//`);
    }
    if (!url.hostname) throw new ConfigError('REDIS_URL', 'must name a host');
    // ioredis decodes the user name and password itself, and a '%' that starts no escape made it throw a bare
    // 'URI malformed' naming no variable.
    if (decodedComponent(url.username) === undefined || decodedComponent(url.password) === undefined)
      throw new ConfigError(
        'REDIS_URL',
        "its user name or password has a '%' that starts no escape: write it as %25",
      );
    // The path is the database number (ioredis sends it to SELECT): anything else failed only once connected.
    if (!/^\/?(\d+)?$/.test(url.pathname))
      throw new ConfigError(
        'REDIS_URL',
        'its path must be a database number (redis://host:6379/0) or nothing',
      );
  }
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(keyPrefix)) {
    throw new ConfigError('REDIS_KEY_PREFIX', 'must be 1–64 letters, digits or : _ . -');
  }
  const commandTimeoutMs = integer(env, 'REDIS_COMMAND_TIMEOUT_MS', 500, 10, 10_000);
  return { redisUrl, keyPrefix, commandTimeoutMs };
}

/** The password REDIS_URL carries, as written there and decoded: what no line may ever carry (log-scrubber.ts). */
export function sharedStateSecrets(config: SharedStateConfig): string[] {
  if (config.redisUrl === undefined) return [];
  const { password } = new URL(config.redisUrl);
  return password ? [password, decodedComponent(password) ?? password] : [];
}
