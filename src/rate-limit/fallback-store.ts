// A @fastify/rate-limit store that counts in Redis and, while Redis is unreachable, in a bounded LocalStore
// of this process with the same window and budget. The library's own answer to a failing store is
// skipOnError, which lets every request through: an outage would remove every brute-force limit. Both
// stores are the library's own; this module only chooses between them.
import { createRequire } from 'node:module';
import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';

/** The counter state a store reports: hits in the window so far and the window's remaining ms. */
interface Count {
  current: number;
  ttl: number;
}
type Callback = (error: Error | null, result?: Count) => void;

interface CountingStore {
  incr(key: string, callback: Callback, timeWindow: number, max: number): void;
  read(key: string, callback: Callback, timeWindow: number, max: number): void;
  child(routeOptions: object): CountingStore;
}

/** The parts of the ioredis client (or Cluster) this module needs; RedisStore defines its commands on it. */
export interface RateLimitRedis {
  status: string;
}

// The package's own adapters, not exported from its index: loaded by path (the package has no `exports`
// map). test/unit/rate-limit-fallback-store.test.ts fails if an upgrade moves them.
const require = createRequire(import.meta.url);
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache: number,
) => CountingStore;
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: RateLimitRedis,
  key: string,
) => CountingStore;

/** Which budget a limiter counts, for the fallback metric. */
export interface Bucket {
  group: string;
  budget: string;
}

/** Extra createRateLimit option read by this store: the limiter's bucket (the library passes it to child()). */
export interface BucketOption {
  bucket: Bucket;
}

const UNNAMED: Bucket = { group: 'unnamed', budget: 'unnamed' };

/**
 * Keys each limiter keeps in process during an outage. Bounded so a flood of distinct IPs or e-mails
 * cannot grow memory; the least recently used key goes first, so an active attacker's key stays.
 */
export const FALLBACK_MAX_KEYS = 10_000;
/** After a Redis error, count in process this long before asking Redis again (a stuck Redis costs a timeout). */
export const REDIS_RETRY_AFTER_MS = 2_000;

export interface FallbackStoreOptions {
  redis: RateLimitRedis;
  /** Key prefix in Redis, as the plugin's `nameSpace`. */
  nameSpace: string;
  maxKeys?: number;
  retryAfterMs?: number;
  now?: () => number;
  /** A check counted in process (once per `incr`). */
  onFallback?: (bucket: Bucket) => void;
  /** Counting moved to the process (`true`) or back to Redis (`false`). */
  onModeChange?: (inProcess: boolean) => void;
}

interface LimiterParams {
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
  bucket?: Bucket;
}

/**
 * A store class for the plugin's `store` option. Every limiter (`createRateLimit`) gets its own pair: the
 * RedisStore's child (same keys as the plain Redis store) and a LocalStore of `maxKeys` keys. Redis is
 * skipped while the client is not ready or for `retryAfterMs` after an error, and used again after that.
 */
export function createFallbackStore(options: FallbackStoreOptions): FastifyRateLimitStoreCtor {
  const { redis, nameSpace, maxKeys = FALLBACK_MAX_KEYS, retryAfterMs = REDIS_RETRY_AFTER_MS, now = Date.now } = options;
  let retryAt = 0;
  let inProcess = false;
  const setMode = (value: boolean): void => {
    if (value === inProcess) return;
    inProcess = value;
    options.onModeChange?.(value);
  };
  const localFor = (params: LimiterParams): CountingStore =>
    new LocalStore(params.continueExceeding ?? false, params.exponentialBackoff ?? false, maxKeys);

  class FallbackStore implements FastifyRateLimitStore {
    constructor(
      private readonly remote: CountingStore,
      private readonly local: CountingStore,
      private readonly bucket: Bucket,
    ) {}

    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      this.count('incr', key, callback, timeWindow, max);
    }

    read(key: string, callback: Callback, timeWindow: number, max: number): void {
      this.count('read', key, callback, timeWindow, max);
    }

    child(routeOptions: object): FallbackStore {
      const params = routeOptions as LimiterParams;
      return new FallbackStore(this.remote.child(routeOptions), localFor(params), params.bucket ?? UNNAMED);
    }

    private count(method: 'incr' | 'read', key: string, callback: Callback, timeWindow: number, max: number): void {
      if (redis.status !== 'ready' || now() < retryAt) {
        this.countInProcess(method, key, callback, timeWindow, max);
        return;
      }
      this.remote[method](
        key,
        (error, result) => {
          if (error) {
            retryAt = now() + retryAfterMs;
            this.countInProcess(method, key, callback, timeWindow, max);
            return;
          }
          setMode(false);
          callback(null, result);
        },
        timeWindow,
        max,
      );
    }

    private countInProcess(method: 'incr' | 'read', key: string, callback: Callback, timeWindow: number, max: number): void {
      setMode(true);
      if (method === 'incr') options.onFallback?.(this.bucket);
      this.local[method](key, callback, timeWindow, max);
    }
  }

  return class RootFallbackStore extends FallbackStore {
    constructor(params: FastifyRateLimitOptions) {
      const limiter = params as LimiterParams;
      super(
        new RedisStore(limiter.continueExceeding ?? false, limiter.exponentialBackoff ?? false, redis, nameSpace),
        localFor(limiter),
        UNNAMED,
      );
    }
  };
}
