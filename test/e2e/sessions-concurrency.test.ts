// Sessions under concurrency, over HTTP with two service instances on one SCAYLE (the emulator, strict
// rotation, 20 s access tokens so every POST /auth/token must refresh) and one Redis key prefix:
// single-flight refresh across instances, a stale reader served with the winner's tokens, and a slow
// refresh racing a logout that must not write the session back or leave its new tokens alive.
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../src/redis/connection.js';
import { closeRedis } from '../../src/redis/lifecycle.js';
import { createRedisStore } from '../../src/sessions/redis-store.js';
import type { SessionStore } from '../../src/sessions/store.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { cleanupPrefix, createTestRedis, redisUrl, uniquePrefix } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

const prefix = uniquePrefix('concurrency');
// Instances of one deployment share the encryption key, or they could not read each other's sessions.
const env = { SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url') };

/** A store whose first acquireLock waits for `open()`, so a request can be held between its read and its lock. */
function gatedStore(inner: SessionStore) {
  let arrived!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  const gate = new Promise<void>((resolve) => (open = resolve));
  let armed = true;
  const store: SessionStore = {
    ...inner,
    async acquireLock(sid, owner, ttlMs) {
      if (armed) {
        armed = false;
        arrived();
        await gate;
      }
      return inner.acquireLock(sid, owner, ttlMs);
    },
  };
  return { store, reached, open };
}

let a: Stack;
let b: Stack;
let c: Stack;
let gatedRedis: Redis;
let gated: ReturnType<typeof gatedStore>;

beforeAll(async () => {
  a = await startStack({ prefix, env, emulator: { rotation: 'strict', accessTokenTtlSeconds: 20 } });
  b = await startStack({ prefix, env, sharedEmulator: a.emulator });
  gatedRedis = createRedisClient(redisUrl());
  gated = gatedStore(createRedisStore({ redis: gatedRedis, keyPrefix: prefix }));
  c = await startStack({ prefix, env, sharedEmulator: a.emulator, overrides: { store: gated.store } });
});

afterAll(async () => {
  await c?.close();
  await b?.close();
  await a?.close(); // owns the emulator
  if (gatedRedis) await closeRedis(gatedRedis);
  const redis = createTestRedis();
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

const COOKIE = 'bff_session';

/** One guest session, and a browser holding its cookie on each of the given instances. */
async function sharedSession(...stacks: Stack[]) {
  const [first, ...others] = stacks.map((s) => new Browser(s.url));
  const login = await first!.post('/auth/login/guest', {
    gender: 'd',
    first_name: 'Con',
    last_name: 'Current',
    email: uniqueEmail('conc'),
  });
  expect(login.status).toBe(200);
  const cookie = first!.cookies.get(COOKIE)!;
  for (const browser of others) browser.cookies.set(COOKIE, cookie);
  return { browsers: [first!, ...others], cookie, login: login.body as { access_token: string; customer: { id: string } } };
}

function browserWith(stack: Stack, cookie: string): Browser {
  const browser = new Browser(stack.url);
  browser.cookies.set(COOKIE, cookie);
  return browser;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const refreshes = () => a.emulator.state.calls('token.refresh');
const sidOf = (cookie: string) => createHash('sha256').update(cookie).digest('base64url');

/** Every access token SCAYLE ever minted for the customer. */
function accessTokensOf(customerId: string): string[] {
  return [...a.emulator.state.accessTokens.values()].filter((r) => String(r.customerId) === customerId).map((r) => r.token);
}

describe('single-flight refresh across instances', () => {
  it('turns 50 concurrent POST /auth/token on two instances into one upstream refresh', async () => {
    const { browsers, login } = await sharedSession(a, b);
    const [onA, onB] = browsers as [Browser, Browser];
    const before = refreshes();
    // The upstream call takes long enough that every request has read the session before it ends.
    a.emulator.faults.add({ endpoint: 'token.refresh', delayMs: 1_000, times: 1 });

    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? onA : onB).post('/auth/token')));

    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    const tokens = new Set(results.map((r) => r.body.access_token as string));
    expect(tokens.size).toBe(1);
    const [fresh] = [...tokens] as [string];
    expect(fresh).not.toBe(login.access_token);
    expect(refreshes()).toBe(before + 1);
    expect(await a.emulator.state.isAccessTokenValid(fresh)).toBe(true);
    // The session is intact on both instances, and its rotated refresh token still works.
    expect((await onA.get('/auth/session')).status).toBe(200);
    expect((await onB.get('/auth/session')).status).toBe(200);
    const next = await onB.post('/auth/token');
    expect(next.status).toBe(200);
    expect(refreshes()).toBe(before + 2);
  });

  it('serves a request that read the session before another instance refreshed it with the new tokens', async () => {
    const { browsers } = await sharedSession(a, c);
    const [onA, onC] = browsers as [Browser, Browser];
    const before = refreshes();

    // Instance C reads the session (old tokens), then is held just before it takes the refresh lock.
    const stale = onC.post('/auth/token');
    await gated.reached;
    // Meanwhile instance A refreshes and writes a new version of the session.
    const winner = await onA.post('/auth/token');
    expect(winner.status).toBe(200);
    expect(refreshes()).toBe(before + 1);
    gated.open();

    const late = await stale;
    expect(late.status).toBe(200);
    expect(late.body.access_token).toBe(winner.body.access_token);
    expect(late.setCookies).toEqual([]);
    expect(refreshes()).toBe(before + 1);
    expect((await onC.get('/auth/session')).status).toBe(200);
  });
});

describe('a slow refresh racing a logout', () => {
  async function race(options: { logoutRevocationFails: boolean }) {
    const { browsers, cookie, login } = await sharedSession(a, b);
    const [onA, onB] = browsers as [Browser, Browser];
    const customerId = login.customer.id;
    const before = refreshes();
    a.emulator.faults.add({ endpoint: 'token.refresh', delayMs: 1_000, times: 1 });
    if (options.logoutRevocationFails) a.emulator.faults.add({ endpoint: 'revoke', status: 503, times: 1 });

    let tokenSettled = false;
    const inFlight = onA.post('/auth/token').finally(() => (tokenSettled = true));
    await until(() => refreshes() > before, 'the upstream refresh to start');

    const logout = await onB.post('/auth/logout');
    expect(logout.status).toBe(204);
    expect(tokenSettled).toBe(false); // logout did not wait for the refresh

    // The tombstone that keeps late writers from recreating the session.
    const redis = createTestRedis();
    try {
      expect(await redis.pttl(`${prefix}{s:${sidOf(cookie)}}:tomb`)).toBeGreaterThan(0);
      expect(await redis.exists(`${prefix}{s:${sidOf(cookie)}}:rec`)).toBe(0);
    } finally {
      redis.disconnect();
    }

    const late = await inFlight;
    expect(late.status).toBe(401);
    expect(late.body.code).toBe('SESSION_EXPIRED');
    expect(late.setCookies.some((line) => line.startsWith(`${COOKIE}=;`))).toBe(true);

    // Nothing wrote the session back: it is gone on both instances.
    for (const stack of [a, b]) {
      const probe = await browserWith(stack, cookie).get('/auth/session');
      expect(probe.status).toBe(401);
    }
    return { customerId };
  }

  it('ends with no session and no valid upstream token when logout revoked first', async () => {
    const { customerId } = await race({ logoutRevocationFails: false });
    const tokens = accessTokensOf(customerId);
    for (const token of tokens) expect(await a.emulator.state.isAccessTokenValid(token)).toBe(false);
    expect(a.emulator.state.refreshTokensOf(customerId)).toEqual([]);
  });

  it('revokes the tokens the late refresh minted when logout could not revoke upstream', async () => {
    const { customerId } = await race({ logoutRevocationFails: true });
    const tokens = accessTokensOf(customerId);
    // The late refresh did mint a new pair (login's token + the refreshed one)...
    expect(tokens.length).toBe(2);
    // ...and the BFF revoked it, so nothing of this sign-in is usable upstream.
    expect(a.emulator.state.refreshTokensOf(customerId)).toEqual([]);
    for (const token of tokens) expect(await a.emulator.state.isAccessTokenValid(token)).toBe(false);
  });
});
