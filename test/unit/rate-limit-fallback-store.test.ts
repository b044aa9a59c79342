// The rate-limit store that falls back from Redis to a bounded in-process LocalStore: same budget and
// window while Redis fails, a fixed number of keys however many distinct ones arrive, and Redis again
// once it answers. Redis is a stand-in that counts (or fails) the library's rateLimit command.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFallbackStore, type Bucket } from '../../src/rate-limit/fallback-store.js';

const WINDOW_MS = 60_000;
const MAX = 3;
const BUCKET: Bucket = { group: 'login', budget: 'email' };

interface Count {
  current: number;
  ttl: number;
}

/** What RedisStore calls: `rateLimit(key, timeWindow, max, continueExceeding, exponentialBackoff, cb)`. */
function fakeRedis() {
  const counts = new Map<string, number>();
  const fake = {
    status: 'ready',
    failing: false,
    calls: 0,
    counts,
    defineCommand: () => undefined,
    rateLimit(key: string, timeWindow: number, _max: number, _ce: boolean, _eb: boolean, cb: (err: Error | null, res?: number[]) => void) {
      fake.calls += 1;
      if (fake.failing) {
        cb(new Error('Command timed out'));
        return;
      }
      const current = (counts.get(key) ?? 0) + 1;
      counts.set(key, current);
      cb(null, [current, timeWindow]);
    },
    rateLimitRead(key: string, cb: (err: Error | null, res?: number[]) => void) {
      cb(null, [counts.get(key) ?? 0, WINDOW_MS]);
    },
  };
  return fake;
}

function setup(options: { maxKeys?: number } = {}) {
  const redis = fakeRedis();
  let clock = 1_000_000;
  const fallbacks: Bucket[] = [];
  const modes: boolean[] = [];
  const Store = createFallbackStore({
    redis,
    nameSpace: 'bff:rl:',
    retryAfterMs: 2_000,
    now: () => clock,
    onFallback: (bucket) => fallbacks.push(bucket),
    onModeChange: (inProcess) => modes.push(inProcess),
    ...options,
  });
  // What createRateLimit does: the plugin's store, then a child per limiter with the merged options.
  const limiter = new Store({}).child({ max: MAX, timeWindow: WINDOW_MS, routeInfo: {}, bucket: BUCKET } as never);
  // LocalStore answers with its live entry: copy it (the library reads it at once).
  const incr = (key: string) =>
    new Promise<Count>((resolve, reject) => limiter.incr(key, (err, res) => (err ? reject(err) : resolve({ ...res! })), WINDOW_MS, MAX));
  return { redis, limiter, incr, fallbacks, modes, advance: (ms: number) => (clock += ms) };
}

beforeEach(() => {
  // LocalStore reads Date.now() for its window.
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2030-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('rate-limit fallback store', () => {
  it('counts in Redis while Redis answers, under the plain RedisStore key', async () => {
    const { redis, incr, fallbacks, modes } = setup();
    expect(await incr('login:email:abc')).toEqual({ current: 1, ttl: WINDOW_MS });
    expect(await incr('login:email:abc')).toEqual({ current: 2, ttl: WINDOW_MS });
    // RedisStore.child's key for a createRateLimit limiter (no route): unchanged by the fallback.
    expect([...redis.counts.keys()]).toEqual(['bff:rl:undefinedundefined-login:email:abc']);
    expect(fallbacks).toEqual([]);
    expect(modes).toEqual([]);
  });

  it('keeps the same budget and window in process while Redis fails, and counts each check', async () => {
    const { redis, incr, fallbacks, modes } = setup();
    redis.failing = true;
    const counts = [];
    for (let i = 0; i < MAX + 2; i += 1) counts.push(await incr('login:email:abc'));
    expect(counts.map((c) => c.current)).toEqual([1, 2, 3, 4, 5]);
    expect(counts[0]!.ttl).toBe(WINDOW_MS);

    vi.advanceTimersByTime(20_000);
    const later = await incr('login:email:abc');
    expect(later.current).toBe(6);
    expect(later.ttl).toBe(WINDOW_MS - 20_000);
    // The window ends: a fresh budget, as in Redis.
    vi.advanceTimersByTime(WINDOW_MS);
    expect((await incr('login:email:abc')).current).toBe(1);

    expect(fallbacks).toHaveLength(7);
    expect(fallbacks[0]).toEqual(BUCKET);
    expect(modes).toEqual([true]);
  });

  it('does not ask Redis while the client is not connected', async () => {
    const { redis, incr, fallbacks } = setup();
    redis.status = 'reconnecting';
    expect((await incr('k')).current).toBe(1);
    expect((await incr('k')).current).toBe(2);
    expect(redis.calls).toBe(0);
    expect(fallbacks).toHaveLength(2);
  });

  it('holds a bounded number of keys: a flood of distinct keys evicts the least recently used', async () => {
    const { redis, incr } = setup({ maxKeys: 3 });
    redis.failing = true;
    await incr('attacker');
    await incr('attacker');
    await incr('a');
    await incr('b');
    // Still among the three most recent: kept.
    expect((await incr('attacker')).current).toBe(3);
    await incr('c');
    await incr('d');
    await incr('e');
    // Three newer keys pushed it out.
    expect((await incr('attacker')).current).toBe(1);
  });

  it('after a Redis error counts in process for the retry delay, then goes back to Redis', async () => {
    const { redis, incr, modes, advance } = setup();
    redis.failing = true;
    expect((await incr('k')).current).toBe(1);
    expect(redis.calls).toBe(1);
    redis.failing = false;
    // Within the delay Redis is not asked (a stuck Redis would cost every request a command timeout).
    advance(1_999);
    expect((await incr('k')).current).toBe(2);
    expect(redis.calls).toBe(1);

    advance(1);
    expect(await incr('k')).toEqual({ current: 1, ttl: WINDOW_MS });
    expect(redis.calls).toBe(2);
    expect(modes).toEqual([true, false]);
  });

  it('gives every limiter its own in-process counters', async () => {
    const { redis, limiter } = setup();
    redis.failing = true;
    const other = limiter.child({ max: MAX, timeWindow: WINDOW_MS, routeInfo: {}, bucket: { group: 'login', budget: 'ip' } } as never);
    const incr = (store: typeof limiter, key: string) =>
      new Promise<Count>((resolve, reject) => store.incr(key, (err, res) => (err ? reject(err) : resolve({ ...res! })), WINDOW_MS, MAX));
    await incr(limiter, 'same');
    await incr(limiter, 'same');
    expect((await incr(other, 'same')).current).toBe(1);
  });
});
