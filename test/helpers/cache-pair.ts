// Two service instances on one Redis (a node or a Cluster) with the session read cache on: the steps the
// cache's staleness tests share. A session read (and cached) on B, ended on A, must be a 401 on B at once.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { browserAt, PASSWORD } from './account.js';
import { uniqueEmail, type Browser } from './http.js';
import { eventually } from './eventually.js';
import { startStack, type Stack } from './stack.js';

/** Limits out of the way (thousands of logins from one address) and one key ring for both instances. */
export function cachePairEnv(): Record<string, string> {
  return {
    TRUST_PROXY: 'true',
    RATE_LIMIT_EMAIL_PER_MINUTE: '1000000',
    RATE_LIMIT_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_SESSION_LIST_PER_MINUTE: '1000000',
    SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
  };
}

/**
 * Instances A and B on one Redis (`redisEnv`: a Cluster's nodes) and one emulator, under one key prefix,
 * resolved once both track (their session caches are on).
 */
export async function startCachePair(env: Record<string, string>, options: { redisEnv?: Record<string, string>; prefix?: string } = {}) {
  const a = await startStack({ env, ...options });
  const b = await startStack({ env, ...options, prefix: a.prefix, sharedEmulator: a.emulator });
  const tracking = (stack: Stack) => stack.app.sessionCache?.active === true;
  await eventually(() => tracking(a) && tracking(b), 'Redis tracking on both instances');
  return { a, b };
}

/** `pair()` is read at each step: the stacks are started in the test file's beforeAll. */
export function cachePairSteps(pair: () => { a: Stack; b: Stack }, emailTag: string) {
  const hitsOf = async (stack: Stack): Promise<number> => (await stack.app.metrics.sessionCacheHits.get()).values[0]?.value ?? 0;

  /** A registered customer, logged out again: each repetition logs in afresh. */
  async function register(): Promise<string> {
    const email = uniqueEmail(emailTag);
    const browser = browserAt(pair().a.url);
    const res = await browser.post('/auth/register', { gender: 'f', first_name: 'C', last_name: 'H', email, password: PASSWORD });
    expect(res.status, res.text).toBe(201);
    expect((await browser.post('/auth/logout')).status).toBe(204);
    return email;
  }

  /** A browser logged in as `email` on A, and one carrying the same cookie on B. */
  async function loggedIn(email: string, password = PASSWORD): Promise<{ onA: Browser; onB: Browser }> {
    const onA = browserAt(pair().a.url);
    const login = await onA.post('/auth/login', { email, password });
    expect(login.status, login.text).toBe(200);
    const onB = browserAt(pair().b.url);
    for (const [name, value] of onA.cookies) onB.cookies.set(name, value);
    return { onA, onB };
  }

  /** Reads the session on B twice: cached by the first read, answered from memory by the second. */
  async function readAndCacheOnB(onB: Browser): Promise<void> {
    expect((await onB.get('/auth/session')).status).toBe(200);
    expect((await onB.get('/auth/session')).status).toBe(200);
  }

  /** Runs `repetitions` of `once` in `lanes` lanes; returns how many ended sessions B still served. */
  async function repeat<T>(
    repetitions: number,
    lanes: number,
    setUp: () => Promise<T>,
    once: (lane: T) => Promise<number>,
  ): Promise<number> {
    const { b } = pair();
    const hitsBefore = await hitsOf(b);
    let stale = 0;
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        const context = await setUp();
        for (let i = lane; i < repetitions; i += lanes) if ((await once(context)) !== 401) stale += 1;
      }),
    );
    // Every repetition's second read on B was answered from memory: the cache was really in the way.
    expect(await hitsOf(b)).toBeGreaterThanOrEqual(hitsBefore + repetitions);
    return stale;
  }

  /** Logout on A after B cached the session: how many of `repetitions` B still answered 200 (or anything but 401). */
  const staleAfterLogouts = (repetitions: number, lanes: number): Promise<number> =>
    repeat(repetitions, lanes, register, async (email) => {
      const { onA, onB } = await loggedIn(email);
      await readAndCacheOnB(onB);
      expect((await onA.post('/auth/logout')).status).toBe(204);
      return (await onB.get('/auth/session')).status;
    });

  /**
   * `DELETE /auth/sessions/:id` from another session of the customer on A, after B cached the ended one (per
   * lane, one customer and one session on A that ends the customer's other session each time).
   */
  const staleAfterSessionDeletions = (repetitions: number, lanes: number): Promise<number> => {
    const setUp = async (): Promise<{ email: string; other: Browser }> => {
      const email = await register();
      return { email, other: (await loggedIn(email)).onA };
    };
    return repeat(repetitions, lanes, setUp, async ({ email, other }) => {
      const { onB } = await loggedIn(email);
      await readAndCacheOnB(onB);
      const list = await other.get('/auth/sessions');
      expect(list.status).toBe(200);
      const handles = (list.body as Array<{ id: string; current: boolean }>).filter((s) => !s.current).map((s) => s.id);
      expect(handles).toHaveLength(1);
      expect((await other.call('DELETE', `/auth/sessions/${handles[0]!}`)).status).toBe(204);
      return (await onB.get('/auth/session')).status;
    });
  };

  /**
   * A third instance `c` whose cache stayed off (e.g. its Redis user lacks a permission the cache needs):
   * it serves A's session all the same, from Redis, never from memory.
   */
  async function servesWithoutCache(c: Stack): Promise<void> {
    const cacheOn = (): boolean => c.app.sessionCache?.active === true;
    expect(cacheOn()).toBe(false);
    const { onA } = await loggedIn(await register());
    const onC = browserAt(c.url);
    for (const [name, value] of onA.cookies) onC.cookies.set(name, value);
    expect((await onC.get('/auth/session')).status).toBe(200);
    expect((await onC.get('/auth/session')).status).toBe(200);
    expect(await hitsOf(c)).toBe(0);
    expect(cacheOn()).toBe(false);
  }

  return { hitsOf, register, loggedIn, readAndCacheOnB, repeat, staleAfterLogouts, staleAfterSessionDeletions, servesWithoutCache };
}
