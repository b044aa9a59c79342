// A refresh whose new tokens cannot be verified at once, over HTTP: three instances on one Redis prefix
// and one emulator with strict rotation (a presented refresh token is spent), 20 s access tokens so every
// POST /auth/token refreshes. The JWKS fails after SCAYLE rotated the pair; the request gets a 5xx, the
// session stays, and the next request (on this or another instance) is served with the kept pair without
// a second upstream refresh.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { cleanupPrefix, createTestRedis, uniquePrefix } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

const prefix = uniquePrefix('refresh-recovery');
// Instances of one deployment share the encryption key, or they could not read each other's sessions.
const env = { SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url') };
const COOKIE = 'bff_session';

let a: Stack;
let b: Stack;
let c: Stack;

beforeAll(async () => {
  a = await startStack({ prefix, env, emulator: { rotation: 'strict', accessTokenTtlSeconds: 20 } });
  b = await startStack({ prefix, env, sharedEmulator: a.emulator });
  c = await startStack({ prefix, env, sharedEmulator: a.emulator });
});

afterAll(async () => {
  await c?.close();
  await b?.close();
  await a?.close(); // owns the emulator
  const redis = createTestRedis();
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

const refreshes = () => a.emulator.state.calls('token.refresh');

/** A guest session logged in on instance A, and a browser holding its cookie for `stack`. */
async function sessionOn(stack: Stack): Promise<{ browser: Browser; accessToken: string }> {
  const onA = new Browser(a.url);
  const login = await onA.post('/auth/login/guest', { gender: 'n', first_name: 'R', last_name: 'R', email: uniqueEmail('rec') });
  expect(login.status).toBe(200);
  const browser = new Browser(stack.url);
  browser.cookies.set(COOKIE, onA.cookies.get(COOKIE)!);
  return { browser, accessToken: login.body.access_token as string };
}

async function metric(stack: Stack, name: string, labels = ''): Promise<number> {
  const text = (await new Browser(stack.url).get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

describe('a refresh whose new access token cannot be verified yet', () => {
  it('answers 503 while the JWKS is down, keeps the session, and serves the kept pair once it answers', async () => {
    // B has never fetched the JWKS, so verifying the refreshed token needs a fetch, and that fails once.
    const { browser, accessToken } = await sessionOn(b);
    const before = refreshes();
    a.emulator.faults.add({ endpoint: 'jwks', status: 503, times: 1 });

    const failed = await browser.post('/auth/token');
    expect(failed.status).toBe(503);
    expect(failed.body.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(failed.setCookies).toEqual([]);
    expect(refreshes()).toBe(before + 1);
    expect((await browser.get('/auth/session')).status).toBe(200);

    const served = await browser.post('/auth/token');
    expect(served.status).toBe(200);
    expect(served.body.access_token).not.toBe(accessToken);
    expect(await a.emulator.state.isAccessTokenValid(served.body.access_token as string)).toBe(true);
    // The spent refresh token was not presented again: still the one upstream refresh.
    expect(refreshes()).toBe(before + 1);

    expect(await metric(b, 'session_refresh_failures_total', '{reason="jwks_unavailable",shop="default"}')).toBe(1);
    expect(await metric(b, 'session_refreshes_resumed_total', '{shop="default"}')).toBe(1);
    // Contention has labels of its own, exported before it ever happens.
    expect(await metric(b, 'session_refresh_failures_total', '{reason="lock_contention",shop="default"}')).toBe(0);
    expect(await metric(b, 'session_refresh_failures_total', '{reason="store_contention",shop="default"}')).toBe(0);
  });

  it('answers 502 for a new kid inside the refetch cooldown; another instance finishes the refresh', async () => {
    const { browser } = await sessionOn(b);
    // B fetched the JWKS moments ago (or does now): a kid it does not know is not refetched for 10 s.
    expect((await new Browser(b.url).get('/health/ready')).status).toBe(200);
    await a.emulator.rotateSigningKey();
    const before = refreshes();

    const failed = await browser.post('/auth/token');
    expect(failed.status).toBe(502);
    expect(failed.body.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(refreshes()).toBe(before + 1);

    // C has never fetched the JWKS: it finds the pair B kept, fetches the new key and verifies it.
    const onC = new Browser(c.url);
    onC.cookies.set(COOKIE, browser.cookies.get(COOKIE)!);
    const served = await onC.post('/auth/token');
    expect(served.status).toBe(200);
    expect(await a.emulator.state.isAccessTokenValid(served.body.access_token as string)).toBe(true);
    expect(refreshes()).toBe(before + 1);
    // The session carries on with the rotated refresh token.
    const next = await onC.post('/auth/token');
    expect(next.status).toBe(200);
    expect(refreshes()).toBe(before + 2);
  });
});
