// Several shops on one instance (issue 18 part 3): each shop its own SCAYLE tenant (emulator), key
// namespace, sessions and metrics; a cookie or session token of one shop is refused by the other even
// with the same cookie name and key ring; an unknown host is 404 SHOP_UNKNOWN before anything else; one
// shop's SCAYLE going away leaves the other working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { Browser, parseSetCookie, uniqueEmail } from '../helpers/http.js';
import { answerIdp, startSso } from '../helpers/sso-browser.js';
import { createTestRedis, scanPrefix } from '../helpers/redis.js';
import { browserFor, startShopsStack, type ShopsStack } from '../helpers/shops-stack.js';

const A = 'a.shop.test';
const B = 'b.shop.test';
const PASSWORD = 'correct horse battery';
const RETURN_TO = 'https://shop.test/account';
let stack: ShopsStack;

beforeAll(async () => {
  // Same cookie name and the same token-mode client key in both shops: only the shop tells them apart.
  const variables = { SESSION_COOKIE_NAME: 'shop_session', CLIENT_KEYS: 'app=token' };
  stack = await startShopsStack([
    // Shop a's own, smaller e-mail budget: budgets are per shop.
    { id: 'a', hosts: [A], variables: { ...variables, RATE_LIMIT_EMAIL_PER_MINUTE: '3' } },
    { id: 'b', hosts: [B], variables },
    {
      id: 'c',
      pathPrefix: '/c',
      variables: { ...variables, SOCIAL_PROVIDERS: 'google', SOCIAL_REDIRECT_URIS: RETURN_TO, PUBLIC_BASE_URL: 'http://elsewhere.test' },
    },
  ]);
});
afterAll(async () => {
  await stack?.close();
});

/** Cookies and tokens handed out, for the log scan. */
const issued: string[] = [];
const register = async (browser: Browser, email: string) => {
  const res = await browser.post('/auth/register', { gender: 'f', first_name: 'Ada', last_name: 'Shop', email, password: PASSWORD });
  expect(res.status, res.text).toBe(201);
  issued.push(...browser.cookies.values());
  return res;
};

/** Each shop's `sessions_created_total{client_mode="cookie"}` on the instance's /metrics (0 when absent). */
const createdByShop = async (): Promise<{ a: number; b: number }> => {
  const text = (await new Browser(stack.url).get('/metrics')).text;
  const count = (shop: string) =>
    Number(new RegExp(`^sessions_created_total\\{client_mode="cookie",shop="${shop}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { a: count('a'), b: count('b') };
};

describe('two shops on one instance', () => {
  it('logs in on each shop against its own SCAYLE, with sessions and session lists kept apart', async () => {
    const created = await createdByShop();
    const email = uniqueEmail('shops');
    const [a1, a2, b1] = [browserFor(stack.url, A), browserFor(stack.url, A), browserFor(stack.url, B)];
    await register(a1, email);
    expect((await a2.post('/auth/login', { email, password: PASSWORD })).status).toBe(200);
    // Shop b is another SCAYLE tenant: the customer does not exist there until registered.
    expect((await b1.post('/auth/login', { email, password: PASSWORD })).status).toBe(401);
    await register(b1, email);

    expect((await a1.get('/auth/sessions')).body).toHaveLength(2);
    expect((await b1.get('/auth/sessions')).body).toHaveLength(1);
    expect((await b1.get('/auth/session')).status).toBe(200);
    // Sessions are counted per shop: two created at a, one at b.
    expect(await createdByShop()).toEqual({ a: created.a + 2, b: created.b + 1 });

    // Every key lives under its shop's namespace; nothing under the bare prefix.
    const redis = createTestRedis();
    const keys = (await scanPrefix(redis, stack.prefix)).map((k) => k.toString());
    redis.disconnect();
    expect(keys.some((k) => k.startsWith(`${stack.prefix}a:{s:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${stack.prefix}b:{s:`))).toBe(true);
    expect(keys.filter((k) => !k.startsWith(`${stack.prefix}a:`) && !k.startsWith(`${stack.prefix}b:`))).toEqual([]);
  });

  it("refuses one shop's cookie at the other, with the same cookie name (401)", async () => {
    const a = browserFor(stack.url, A);
    await register(a, uniqueEmail('cookie'));
    const cookie = a.cookies.get('shop_session');
    expect(cookie).toBeDefined();
    const b = browserFor(stack.url, B);
    b.cookies.set('shop_session', cookie!);
    const replayed = await b.get('/auth/session');
    expect(replayed.status).toBe(401);
    expect((await a.get('/auth/session')).status).toBe(200);
  });

  it("refuses a record copied into another shop's namespace: the shop id is in its associated data", async () => {
    const a = browserFor(stack.url, A);
    await register(a, uniqueEmail('copied'));
    const redis = createTestRedis();
    const records = (await scanPrefix(redis, `${stack.prefix}a:{s:`)).map((k) => k.toString()).filter((k) => k.endsWith(':rec'));
    // Copy every record of shop a into shop b's namespace, as an attacker with Redis write access could.
    for (const key of records) {
      const value = await redis.getBuffer(key);
      await redis.set(key.replace(`${stack.prefix}a:`, `${stack.prefix}b:`), value!, 'PX', 60_000);
    }
    redis.disconnect();
    expect(records.length).toBeGreaterThan(0);
    const b = browserFor(stack.url, B);
    b.cookies.set('shop_session', a.cookies.get('shop_session')!);
    expect((await b.get('/auth/session')).status).toBe(401);
  });

  it("refuses one shop's mobile session token at the other (401)", async () => {
    const guest = { gender: 'm', first_name: 'M', last_name: 'Obile', email: uniqueEmail('app') };
    const login = await browserFor(stack.url, A).post('/auth/login/guest', guest, { csrf: false, headers: { 'x-client-key': 'app' } });
    expect(login.status, login.text).toBe(200);
    issued.push(login.body.session_token as string);
    const auth = { authorization: `Token ${login.body.session_token as string}` };
    expect((await browserFor(stack.url, B).get('/auth/session', { headers: auth })).status).toBe(401);
    expect((await browserFor(stack.url, A).get('/auth/session', { headers: auth })).status).toBe(200);
  });

  it('serves a shop under its path prefix on any host, its records apart from the others', async () => {
    const c = browserFor(stack.url, 'elsewhere.test');
    const res = await c.post('/c/auth/register', {
      gender: 'f',
      first_name: 'Ada',
      last_name: 'Shop',
      email: uniqueEmail('c'),
      password: PASSWORD,
    });
    expect(res.status, res.text).toBe(201);
    expect((await c.get('/c/auth/session')).status).toBe(200);
    // Without the prefix, on a host that names no shop, nothing is served.
    expect((await c.get('/auth/session')).body.code).toBe('SHOP_UNKNOWN');
    const a = browserFor(stack.url, A);
    a.cookies.set('shop_session', c.cookies.get('shop_session')!);
    expect((await a.get('/auth/session')).status).toBe(401);
  });

  it('runs social login under a path prefix: callback URL and flow cookie under it', async () => {
    const browser = browserFor(stack.url, 'elsewhere.test');
    const emulator = stack.emulators.get('c')!.url;
    const tab = await startSso(browser, emulator, `/c/auth/social/google?return_to=${encodeURIComponent(RETURN_TO)}`);
    const claims = decodeJwt(new URL(String(tab.start.headers.location)).searchParams.get('jwt')!);
    expect(String(claims.callbackUrl)).toMatch(/^http:\/\/elsewhere\.test\/c\/auth\/social\/callback\?state=/);
    const flowCookie = parseSetCookie(tab.start.setCookies.find((line) => line.startsWith('bff_sso_'))!);
    expect(flowCookie.attributes.path).toBe('/c/auth/social');
    const callback = new URL(await answerIdp(emulator, tab, { email: uniqueEmail('sso') }));
    const done = await browser.get(`${callback.pathname}${callback.search}`);
    expect(done.status, done.text).toBe(302);
    expect(done.headers.location).toBe(RETURN_TO);
    expect((await browser.get('/c/auth/session')).status).toBe(200);
  });

  it('answers an unknown host 404 SHOP_UNKNOWN before CSRF, validation, rate limits or SCAYLE', async () => {
    const stranger = browserFor(stack.url, 'unknown.test');
    // No Origin, no body: any shop would answer 403 or 400; an unknown shop is 404 first.
    const res = await stranger.post('/auth/login', undefined, { csrf: false, headers: { origin: 'https://evil.test' } });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('SHOP_UNKNOWN');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    // Ops routes belong to no shop.
    expect((await stranger.get('/health/live')).status).toBe(200);
    // A known shop's unknown path is the ordinary 404, and a wrong method the ordinary 405.
    expect((await browserFor(stack.url, A).get('/nothing/here')).body.code).toBe('NOT_FOUND');
    expect((await browserFor(stack.url, A).get('/auth/login')).status).toBe(405);
  });

  it("counts each shop's rate limits in its own budgets", async () => {
    const email = uniqueEmail('budget');
    const attempt = (host: string) => browserFor(stack.url, host).post('/auth/login', { email, password: 'wrong password 1' });
    for (let i = 0; i < 3; i += 1) expect((await attempt(A)).status).toBe(401);
    expect((await attempt(A)).status).toBe(429);
    // The same address at shop b: its own budget (10), untouched by shop a's.
    expect((await attempt(B)).status).toBe(401);
  });

  it('labels request, rate-limit and session metrics with the shop', async () => {
    const text = (await new Browser(stack.url).get('/metrics')).text;
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/auth\/register"[^}]*shop="a"\}/);
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/auth\/register"[^}]*shop="b"\}/);
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/c\/auth\/register"[^}]*shop="c"\}/);
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/health\/live"[^}]*shop="none"\}/);
    expect(text).toMatch(/rate_limit_fallback_active\{shop="a"\} 0/);
    expect(text).toMatch(/^rate_limit_denials_total\{group="login",budget="email",shop="a"\} 1$/m);
    expect(text).not.toMatch(/^rate_limit_denials_total\{[^}]*shop="b"\} [1-9]/m);
    // issue 18 part 4: each shop's own credentials, fingerprinted per shop (distinct secrets, distinct prints).
    const prints = ['a', 'b', 'c'].map((shop) => {
      const line = new RegExp(`^credential_info\\{credential="SCAYLE_CLIENT_SECRET",fingerprint="(\\w+)",shop="${shop}"\\} 1$`, 'm');
      return line.exec(text)?.[1];
    });
    expect(prints.every((print) => print !== undefined)).toBe(true);
    expect(new Set(prints).size).toBe(3);
    // issue 20: every shop's session reads go through its own cache (its reader tracks the shop's prefix).
    for (const shop of ['a', 'b', 'c']) expect(text).toMatch(new RegExp(`^session_cache_active\\{shop="${shop}"\\} 1$`, 'm'));
    expect(text).toMatch(/^session_cache_hits_total\{shop="a"\} [1-9]/m);
    expect(text).toMatch(/^session_store_operation_duration_seconds_count\{operation="create",shop="b"\} [1-9]/m);
  });

  it('logs no shop secret, session cookie or token', () => {
    const log = stack.logs.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [...stack.secrets, ...issued]) expect(log).not.toContain(secret);
  });

  it("keeps one shop working while the other's SCAYLE is down", async () => {
    const a = browserFor(stack.url, A);
    const b = browserFor(stack.url, B);
    const [emailA, emailB] = [uniqueEmail('up'), uniqueEmail('down')];
    await register(a, emailA);
    await register(b, emailB);
    await stack.emulators.get('b')!.close();
    const down = await browserFor(stack.url, B).post('/auth/login', { email: emailB, password: PASSWORD });
    expect([502, 503, 504], down.text).toContain(down.status);
    expect(down.body.code).toMatch(/^UPSTREAM_/);
    const metrics = (await new Browser(stack.url).get('/metrics')).text;
    expect(metrics).toMatch(/^upstream_requests_total\{operation="login",outcome="unavailable",shop="b"\} 1$/m);
    expect(metrics).not.toMatch(/^upstream_requests_total\{[^}]*outcome="unavailable",shop="a"\}/m);
    expect((await browserFor(stack.url, A).post('/auth/login', { email: emailA, password: PASSWORD })).status).toBe(200);
    // Readiness: the instance still serves shop a, so it stays on the load balancer.
    const ready = await new Browser(stack.url).get('/health/ready');
    expect(ready.status, ready.text).toBe(200);
  });
});
