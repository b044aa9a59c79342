// Opens the service's ioredis client with fail-fast settings (no offline queue, command timeout,
// endless capped reconnects), waits for it, and closes it; the URL is never logged.
import { Redis } from 'ioredis';
import { StoreUnavailableError } from './store.js';

export interface RedisConnectionLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface RedisConnectionOptions {
  /** Not supported: key prefixes belong to the store's key builder (keys.ts), one place only. */
  keyPrefix?: never;
  /** Per-command deadline; default 1000 ms. */
  commandTimeoutMs?: number;
  /** TCP connect (and TLS handshake) deadline per attempt; default 2000 ms. */
  connectTimeoutMs?: number;
  logger?: RedisConnectionLogger;
}

/** Delay before reconnect attempt `n`: grows by 100 ms up to 2 s, and never gives up. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 100, 2000);
}

// ioredis messages carry host:port at most, but strip any userinfo in case a URL ends up in one.
function safeError(err: unknown): { name: string; code?: string; message: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return {
    name: e.name,
    message: e.message.replace(/\/\/[^/\s@]*@/g, '//***@'),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

export function createRedisConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  const { commandTimeoutMs = 1000, connectTimeoutMs = 2000, logger } = options;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new TypeError('redis url is not a valid URL');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new TypeError('redis url must use redis: or rediss:');

  const redis = new Redis(url, {
    // Fail at once while disconnected instead of queueing: the request gets a 503, not a hang.
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelayMs,
    // After a failover the old primary answers READONLY: reconnect so DNS points us at the new one.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    lazyConnect: false,
    // Commands issued in one tick go out in one write: the write syscall per command was a fifth of a
    // session lookup's CPU (bench/RESULTS.md). commandTimeout still applies to each command.
    enableAutoPipelining: true,
  });

  // One warning per outage, not one per reconnect attempt; the listener also keeps ioredis from
  // printing "Unhandled error event".
  let down = false;
  redis.on('error', (err: unknown) => {
    if (down) return;
    down = true;
    logger?.warn({ err: safeError(err) }, 'redis connection error; reconnecting');
  });
  redis.on('ready', () => {
    if (down) logger?.info({}, 'redis connection restored');
    down = false;
  });
  return redis;
}

const closing = new WeakMap<Redis, Promise<void>>();

/** Resolves once the client is ready; rejects after `timeoutMs` or if the client has been closed. */
export function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  if (redis.status === 'end' || closing.has(redis)) return Promise.reject(new StoreUnavailableError('redis connection is closed'));
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    };
    const onReady = (): void => done();
    const onEnd = (): void => done(new StoreUnavailableError('redis connection is closed'));
    const timer = setTimeout(() => done(new StoreUnavailableError(`redis not ready within ${timeoutMs} ms`)), timeoutMs);
    redis.on('ready', onReady);
    redis.on('end', onEnd);
  });
}

/**
 * QUIT when connected (lets pending replies arrive), else disconnect; idempotent and never rejects.
 * Between reconnect attempts ioredis cancels the next attempt but leaves `status` at 'reconnecting'
 * (there is no socket to emit 'end'), so callers must not wait for 'end'.
 */
export function closeRedis(redis: Redis): Promise<void> {
  const pending = closing.get(redis);
  if (pending) return pending;
  const close = async (): Promise<void> => {
    if (redis.status === 'end') return;
    if (redis.status === 'ready') {
      try {
        await redis.quit();
        return;
      } catch {
        // QUIT failed or timed out (commandTimeout): fall through and drop the socket.
      }
    }
    redis.disconnect(false);
  };
  const result = close();
  closing.set(redis, result);
  return result;
}
