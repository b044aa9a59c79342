// The end-to-end flows on a real Redis Cluster with two instances of the service: register and log in,
// refresh (one upstream refresh for concurrent requests on both instances), the session list (customer
// index), rate limits counted in the Cluster, password update ending every device, logout seen by the
// other instance, and the sessions CLI through the same factory.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runSessionsCli } from '../../src/cli/sessions.js';
import { browserAt, customerOn, PASSWORD } from '../helpers/account.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { uniquePrefix } from '../helpers/redis.js';
import { startStack, TEST_SECRETS, type Stack } from '../helpers/stack.js';

const KEY = randomBytes(32).toString('base64url');
const redisEnv = { REDIS_CLUSTER_NODES: inject('clusterNodes') };
const ENV = { TRUST_PROXY: 'true', SESSION_ENCRYPTION_KEYS: KEY, RATE_LIMIT_EMAIL_PER_MINUTE: '3' };
let one: Stack;
let two: Stack;
beforeAll(async () => {
  const prefix = uniquePrefix('cluster-e2e');
  // 20 s access tokens: always inside the 30 s refresh window, so every POST /auth/token refreshes.
  one = await startStack({ env: ENV, redisEnv, prefix, emulator: { accessTokenTtlSeconds: 20 } });
  two = await startStack({ env: ENV, redisEnv, prefix, sharedEmulator: one.emulator });
});
afterAll(async () => {
  await two?.close();
  await one?.close();
});

/** The same browser (its cookies) talking to another instance. */
function on(url: string, browser: Browser): Browser {
  const moved = browserAt(url);
  for (const [name, value] of browser.cookies) moved.cookies.set(name, value);
  return moved;
}

async function metric(url: string, name: string): Promise<number> {
  const text = (await new Browser(url).get('/metrics')).text;
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('two instances on a Redis Cluster', () => {
  it('both are ready, with the Cluster as their store', async () => {
    for (const stack of [one, two]) expect((await new Browser(stack.url).get('/health/ready')).status).toBe(200);
    expect(one.config.redis?.target.kind).toBe('cluster');
  });

  it('logs in on one and is known on the other; concurrent refreshes on both make one upstream refresh', async () => {
    const customer = await customerOn([one.url, two.url], 'cluster');
    const [device] = customer.devices;
    expect((await on(two.url, device!).get('/auth/session')).body).toMatchObject({ authenticated: true, customer: { id: customer.id } });

    const before = one.emulator.state.calls('token.refresh');
    const replies = await Promise.all([one.url, two.url, one.url, two.url].map((url) => on(url, device!).post('/auth/token')));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(replies.map((r) => r.body.access_token)).size).toBe(1);
    expect(one.emulator.state.calls('token.refresh')).toBe(before + 1);

    // The customer index (its own slot) lists both devices, from either instance.
    const list = await on(two.url, device!).get('/auth/sessions');
    expect(list.status, list.text).toBe(200);
    expect(list.body).toHaveLength(2);
  });

  it('counts a rate limit in the Cluster, shared by both instances', async () => {
    const email = uniqueEmail('cluster-rl');
    const statuses: number[] = [];
    for (const url of [one.url, two.url, one.url, two.url]) {
      statuses.push((await browserAt(url).post('/auth/login', { email, password: 'wrong password' })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Counted in Redis, never in process.
    expect((await metric(one.url, 'rate_limit_fallback_total')) + (await metric(two.url, 'rate_limit_fallback_total'))).toBe(0);
  });

  it('a password update on one instance ends every device on both', async () => {
    const customer = await customerOn([one.url, two.url, two.url], 'cluster-reset');
    const sent = await browserAt(one.url).post('/auth/password/reset-email', { email: customer.email });
    const hash = new URL(sent.body._debug_reset_url).searchParams.get('reset_hash')!;
    const res = await browserAt(two.url).post('/auth/password/update', { hash, password: 'a brand new passphrase' });
    expect(res.status, res.text).toBe(204);
    for (const device of customer.devices) {
      expect((await device.get('/auth/session')).status).toBe(401);
      expect((await on(one.url, device).get('/auth/session')).status).toBe(401);
    }
  });

  it('a logout on one instance is seen by the other', async () => {
    const customer = await customerOn([one.url], 'cluster-logout');
    const [device] = customer.devices;
    expect((await on(two.url, device!).post('/auth/logout')).status).toBe(204);
    expect((await device!.get('/auth/session')).status).toBe(401);
    // Logged out, the customer logs in again on the other instance.
    expect((await browserAt(two.url).post('/auth/login', { email: customer.email, password: PASSWORD })).status).toBe(200);
  });

  /** The service's environment, as ops would have it for the sessions CLI. */
  const cliEnv = () => ({
    ...redisEnv,
    REDIS_KEY_PREFIX: one.prefix,
    SESSION_ENCRYPTION_KEYS: KEY,
    SCAYLE_AUTH_BASE_URL: one.emulator.url,
    SCAYLE_CLIENT_ID: TEST_SECRETS.clientId,
    SCAYLE_CLIENT_SECRET: TEST_SECRETS.clientSecret,
    SCAYLE_SHOP_ID: '7',
    SCAYLE_SHOP_SECRET: TEST_SECRETS.shopSecret,
  });

  it("the sessions CLI lists and ends a customer's sessions on the Cluster", async () => {
    const customer = await customerOn([one.url, two.url], 'cluster-cli');
    const env = cliEnv();
    const out: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => out.push(line) };
    expect(await runSessionsCli(['list-customer', customer.id], env, io)).toBe(0);
    expect(out[0]).toBe(`2 live session(s) of customer ${customer.id}`);
    expect(await runSessionsCli(['end-customer', customer.id], env, io)).toBe(0);
    expect(out.at(-1)).toBe(`ended 2 session(s) of customer ${customer.id}`);
    for (const device of customer.devices) expect((await device.get('/auth/session')).status).toBe(401);
  });

  it('the sessions CLI counts the records each encryption key seals, on every primary', async () => {
    const next = randomBytes(32).toString('base64url');
    // A third instance with a new key first (the old one still decrypts): its logins seal under the new key.
    const three = await startStack({
      env: { ...ENV, SESSION_ENCRYPTION_KEYS: `${next},${KEY}` },
      redisEnv,
      prefix: one.prefix,
      sharedEmulator: one.emulator,
    });
    try {
      await customerOn([three.url, three.url], 'cluster-new-key');
      const usage = async (keys: string): Promise<string[]> => {
        const out: string[] = [];
        const io = { out: (line: string) => out.push(line), err: (line: string) => out.push(line) };
        expect(await runSessionsCli(['key-usage'], { ...cliEnv(), SESSION_ENCRYPTION_KEYS: keys }, io)).toBe(0);
        return out;
      };
      const both = await usage(`${next},${KEY}`);
      expect(both[0]).toMatch(/^key 1 \(id [0-9a-f]{12}\) encrypts: 2 record\(s\)$/);
      const old = Number(/: (\d+) record/.exec(both[1]!)?.[1]);
      // Every earlier test of this file left live sessions under the old key, spread over the primaries.
      expect(old).toBeGreaterThan(2);
      expect(both[2]).toBe('keys no longer configured: 0 record(s)');
      // With the old key dropped, its records show up as no longer configured.
      expect((await usage(next)).at(-1)).toBe(`keys no longer configured: ${old} record(s)`);
    } finally {
      await three.close();
    }
  });
});
