// Redis outages, over HTTP against a private redis-server: while it is stuck (SIGSTOP) or dead (SIGKILL)
// session routes answer 503 SESSION_STORE_UNAVAILABLE at once (no hang) and keep the cookie; readiness
// says the store is failing while liveness stays up; the same session works again after a pause, and
// the process reconnects by itself after a restart. Credential routes keep their rate limits, counted in
// process (rate-limits-outage.test.ts covers that fallback).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../src/redis/connection.js';
import { closeRedis } from '../../src/redis/lifecycle.js';
import { createRedisStore } from '../../src/sessions/redis-store.js';
import { StoreUnavailableError, type SessionStore } from '../../src/sessions/store.js';
import { eventually } from '../helpers/eventually.js';
import { Browser, uniqueEmail, type Reply } from '../helpers/http.js';
import { cleanupPrefix, createTestRedis, redisUrl, startPrivateRedis, uniquePrefix, type PrivateRedis } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

let redis: PrivateRedis;
let stack: Stack;
// A stack on the run's Redis whose store can be told to fail its next read, for a blip of one command.
const flakyPrefix = uniquePrefix('outage-flaky');
let flakyRedis: Redis;
let flaky: Stack;
let failNextGet = false;

function flakyStore(inner: SessionStore): SessionStore {
  return {
    ...inner,
    async get(sid) {
      if (failNextGet) {
        failNextGet = false;
        throw new StoreUnavailableError('session store unavailable (get)');
      }
      return inner.get(sid);
    },
  };
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  // A budget of one login per e-mail, so the in-process limiter shows after one attempt.
  stack = await startStack({ env: { REDIS_URL: redis.url, RATE_LIMIT_EMAIL_PER_MINUTE: '1' } });
  flakyRedis = createRedisClient(redisUrl());
  const store = flakyStore(createRedisStore({ redis: flakyRedis, keyPrefix: flakyPrefix }));
  flaky = await startStack({ prefix: flakyPrefix, sharedEmulator: stack.emulator, overrides: { store } });
});

afterAll(async () => {
  redis?.resume();
  await flaky?.close();
  await stack?.close();
  await redis?.stop();
  if (flakyRedis) await closeRedis(flakyRedis);
  const cleanup = createTestRedis();
  await cleanupPrefix(cleanup, flakyPrefix);
  cleanup.disconnect();
});

const COOKIE = 'bff_session';
// Far beyond what an answer needs (each command to a stuck Redis gives up after 1 s; a login makes three),
// even on a loaded machine, and far below forever: only a hang fails it.
const CLIENT_DEADLINE_MS = 15_000;
/** Outage tests wait out command timeouts on purpose; give them room beyond the default 20 s. */
const OUTAGE_TEST_TIMEOUT_MS = 60_000;

/** The request must be answered within a few seconds: a hang fails the test instead of stalling it. */
async function answered(request: Promise<Reply>, what: string): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${CLIENT_DEADLINE_MS} ms`)), CLIENT_DEADLINE_MS);
  });
  try {
    return await Promise.race([request, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function expectStoreUnavailable(res: Reply, browser: Browser, cookie: string): void {
  expect(res.status).toBe(503);
  expect(res.body.code).toBe('SESSION_STORE_UNAVAILABLE');
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  // An outage is not a logout: the cookie stays.
  expect(res.setCookies.filter((line) => line.startsWith(`${COOKIE}=`))).toEqual([]);
  expect(browser.cookies.get(COOKIE)).toBe(cookie);
}

const guest = () => ({ gender: 'm', first_name: 'Out', last_name: 'Age', email: uniqueEmail('outage') });
const ready = (browser: Browser) => browser.get('/health/ready');

/** Every access token SCAYLE minted for the customer with this e-mail. */
function accessTokensFor(email: string): string[] {
  const state = stack.emulator.state;
  const ids = new Set([...state.customers.values()].filter((c) => c.email === email).map((c) => c.id));
  return [...state.accessTokens.values()].filter((r) => ids.has(r.customerId)).map((r) => r.token);
}

describe('Redis stuck (SIGSTOP)', () => {
  it(
    'answers 503 at once, keeps the cookie, reports not-ready, and serves the same session after resume',
    async () => {
      const browser = new Browser(stack.url);
      expect((await browser.post('/auth/login/guest', guest())).status).toBe(200);
      const cookie = browser.cookies.get(COOKIE)!;

      redis.pause();
      try {
        expectStoreUnavailable(await answered(browser.get('/auth/session'), 'GET /auth/session'), browser, cookie);
        expectStoreUnavailable(await answered(browser.post('/auth/token'), 'POST /auth/token'), browser, cookie);
        expect((await browser.get('/health/live')).status).toBe(200);
        await eventually(async () => {
          const res = await answered(ready(browser), 'GET /health/ready');
          return res.status === 503 && res.body.checks.store === 'failing';
        }, 'readiness to report the store failing');
      } finally {
        redis.resume();
      }

      const back = await answered(browser.get('/auth/session'), 'GET /auth/session after resume');
      expect(back.status).toBe(200);
      expect((await browser.post('/auth/token')).status).toBe(200);
      expect(browser.cookies.get(COOKIE)).toBe(cookie);
    },
    OUTAGE_TEST_TIMEOUT_MS,
  );

  it(
    'keeps the rate limit in process: one attempt reaches SCAYLE, and a 503 (never a 500) when no session can be stored',
    async () => {
      const password = 'outage password 123';
      const email = uniqueEmail('limiter');
      const browser = new Browser(stack.url);
      expect((await browser.post('/auth/register', { gender: 'f', first_name: 'R', last_name: 'L', email, password })).status).toBe(201);
      // Spend the e-mail's login budget (one per minute) while Redis is up.
      expect((await new Browser(stack.url).post('/auth/login', { email, password: 'wrong password' })).status).toBe(401);
      expect((await new Browser(stack.url).post('/auth/login', { email, password: 'wrong password' })).status).toBe(429);
      const tokensBefore = accessTokensFor(email).length;

      redis.pause();
      try {
        const before = stack.emulator.state.calls('login');
        // The instance counts in process from zero: a correct password gets tokens from SCAYLE, but the
        // session cannot be stored.
        const right = await answered(new Browser(stack.url).post('/auth/login', { email, password }), 'login');
        expect(right.status).toBe(503);
        expect(right.body.code).toBe('SESSION_STORE_UNAVAILABLE');
        expect(right.setCookies).toEqual([]);
        // The in-process budget (one) is spent: refused before SCAYLE.
        const wrong = await answered(
          new Browser(stack.url).post('/auth/login', { email, password: 'wrong password' }),
          'wrong-password login',
        );
        expect(wrong.status).toBe(429);
        expect(wrong.body.code).toBe('RATE_LIMITED');
        expect(stack.emulator.state.calls('login')).toBe(before + 1);
      } finally {
        redis.resume();
      }
      // The tokens nobody holds were revoked upstream.
      const minted = accessTokensFor(email).slice(tokensBefore);
      expect(minted.length).toBe(1);
      await eventually(async () => !(await stack.emulator.state.isAccessTokenValid(minted[0]!)), 'the orphaned token to be revoked');
    },
    OUTAGE_TEST_TIMEOUT_MS,
  );
});

describe('Redis dead (SIGKILL) and restarted', () => {
  it(
    'answers 503 while it is gone and reconnects by itself when it is back',
    async () => {
      const browser = new Browser(stack.url);
      expect((await browser.post('/auth/login/guest', guest())).status).toBe(200);
      const cookie = browser.cookies.get(COOKIE)!;

      redis.kill();
      await eventually(() => stack.app.redis?.status !== 'ready', 'the client to notice the dead server');
      expectStoreUnavailable(await answered(browser.get('/auth/session'), 'GET /auth/session'), browser, cookie);
      expectStoreUnavailable(await answered(browser.post('/auth/token'), 'POST /auth/token'), browser, cookie);
      const login = await answered(new Browser(stack.url).post('/auth/login/guest', guest()), 'guest login');
      expect(login.status).toBe(503);
      expect(login.body.code).toBe('SESSION_STORE_UNAVAILABLE');
      expect((await browser.get('/health/live')).status).toBe(200);
      await eventually(
        async () => (await answered(ready(browser), 'GET /health/ready')).body.checks.store === 'failing',
        'readiness to fail',
      );

      // A fresh, empty server on the same port: the process finds it without a restart of its own.
      await redis.restart();
      const fresh = new Browser(stack.url);
      await eventually(
        async () => (await answered(fresh.post('/auth/login/guest', guest()), 'guest login')).status === 200,
        'logins to work again',
      );
      expect((await fresh.get('/auth/session')).status).toBe(200);
      expect((await fresh.post('/auth/token')).status).toBe(200);
      await eventually(async () => (await ready(browser)).status === 200, 'readiness to recover');
      // The old session lived only in the server that died (no persistence): it is gone, not a 5xx.
      const old = await browser.get('/auth/session');
      expect(old.status).toBe(401);
    },
    OUTAGE_TEST_TIMEOUT_MS,
  );
});

describe('a store blip during login', () => {
  it('refuses the login with 503 rather than leave the session it arrived with alive beside a new one', async () => {
    const password = 'blip password 123';
    const email = uniqueEmail('blip');
    const browser = new Browser(flaky.url);
    expect((await browser.post('/auth/register', { gender: 'd', first_name: 'B', last_name: 'Lip', email, password })).status).toBe(201);
    const previous = browser.cookies.get(COOKIE)!;
    const tokensBefore = accessTokensFor(email).length;

    // Reading the session the login arrived with fails once; the store is fine again for the write.
    failNextGet = true;
    const login = await browser.post('/auth/login', { email, password });
    expect(failNextGet).toBe(false);
    expect(login.status).toBe(503);
    expect(login.body.code).toBe('SESSION_STORE_UNAVAILABLE');
    expect(login.setCookies.filter((line) => line.startsWith(`${COOKIE}=`))).toEqual([]);
    // The customer keeps the one session they had...
    expect(browser.cookies.get(COOKIE)).toBe(previous);
    expect((await browser.get('/auth/session')).status).toBe(200);
    // ...and the tokens SCAYLE minted for the refused login are revoked, not left valid and unheld.
    const minted = accessTokensFor(email).slice(tokensBefore);
    expect(minted.length).toBe(1);
    await eventually(async () => !(await stack.emulator.state.isAccessTokenValid(minted[0]!)), 'the unheld token to be revoked');
  });
});
