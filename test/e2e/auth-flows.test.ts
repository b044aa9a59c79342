// The core flows over real HTTP: register, login, guest, token, session, logout, against the emulator
// with sessions in real Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, parseSetCookie, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

const registration = (email: string) => ({
  gender: 'f',
  first_name: 'Ada',
  last_name: 'Lovelace',
  email,
  password: 'correct horse battery',
});

describe('register', () => {
  it('answers 201 with a token response, a session cookie and no refresh token anywhere', async () => {
    const browser = new Browser(stack.url);
    const res = await browser.post('/auth/register', registration(uniqueEmail()));
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', customer: { guest: false } });
    expect(typeof res.body.access_token).toBe('string');
    expect(res.body.customer.id).toMatch(/^\d+$/);
    expect(res.body.expires_in).toBeGreaterThan(200);
    expect(Date.parse(res.body.expires_at)).toBeGreaterThan(Date.now());
    expect(res.body).not.toHaveProperty('session_token');
    expect(res.text).not.toMatch(/refresh/i);

    const cookie = parseSetCookie(res.setCookies.find((c) => c.startsWith('bff_session='))!);
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/' });
    expect(cookie.attributes.secure).toBeUndefined();
    expect(Number(cookie.attributes['max-age'])).toBe(stack.config.session.idleTtlSeconds);
    const [refreshToken] = stack.emulator.state.refreshTokensOf(res.body.customer.id);
    expect(refreshToken).toBeDefined();
    expect(res.text + JSON.stringify(res.headers)).not.toContain(refreshToken);
  });

  it('normalises the e-mail: a padded, upper-case address registers the lower-case one', async () => {
    const email = uniqueEmail('mixed');
    const res = await new Browser(stack.url).post('/auth/register', registration(`  ${email.toUpperCase()} `));
    expect(res.status).toBe(201);
    const login = await new Browser(stack.url).post('/auth/login', { email, password: 'correct horse battery' });
    expect(login.status).toBe(200);
  });

  it('answers 409 EMAIL_TAKEN for an address that is already registered', async () => {
    const email = uniqueEmail();
    expect((await new Browser(stack.url).post('/auth/register', registration(email))).status).toBe(201);
    const again = await new Browser(stack.url).post('/auth/register', registration(email));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('EMAIL_TAKEN');
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('lets exactly one of two concurrent registrations for one e-mail reach SCAYLE', async () => {
    const email = uniqueEmail('double');
    stack.emulator.faults.add({ endpoint: 'register', delayMs: 300, times: 1 });
    const before = stack.emulator.state.calls('register');
    const [a, b] = await Promise.all([
      new Browser(stack.url).post('/auth/register', registration(email)),
      new Browser(stack.url).post('/auth/register', registration(email)),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect([a.body.code, b.body.code]).toContain('REGISTRATION_IN_PROGRESS');
    expect(stack.emulator.state.calls('register') - before).toBe(1);
  });
});

describe('login', () => {
  it('logs a registered customer in and rejects a wrong password with 401 INVALID_CREDENTIALS', async () => {
    const email = uniqueEmail();
    await new Browser(stack.url).post('/auth/register', registration(email));
    const ok = await new Browser(stack.url).post('/auth/login', { email, password: 'correct horse battery' });
    expect(ok.status).toBe(200);
    expect(ok.body.customer.guest).toBe(false);
    const bad = await new Browser(stack.url).post('/auth/login', { email, password: 'wrong password' });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ code: 'INVALID_CREDENTIALS', status: 401 });
    expect(bad.text).not.toContain('wrong password');
  });

  it('issues a new session id on login and destroys the one the request came with', async () => {
    const email = uniqueEmail();
    const browser = new Browser(stack.url);
    await browser.post('/auth/register', registration(email));
    const first = browser.cookies.get('bff_session')!;
    const login = await browser.post('/auth/login', { email, password: 'correct horse battery' });
    expect(login.status).toBe(200);
    const second = browser.cookies.get('bff_session')!;
    expect(second).not.toBe(first);
    const stale = new Browser(stack.url);
    stale.cookies.set('bff_session', first);
    expect((await stale.get('/auth/session')).status).toBe(401);
    expect((await browser.get('/auth/session')).status).toBe(200);
  });
});

describe('guest login', () => {
  it('starts a guest session', async () => {
    const browser = new Browser(stack.url);
    const res = await browser.post('/auth/login/guest', { gender: 'n', first_name: 'G', last_name: 'Uest', email: uniqueEmail('guest') });
    expect(res.status).toBe(200);
    expect(res.body.customer.guest).toBe(true);
    const session = await browser.get('/auth/session');
    expect(session.body.customer.guest).toBe(true);
  });

  it('rejects a guest login without a valid gender with 400 VALIDATION_FAILED naming the field', async () => {
    const res = await new Browser(stack.url).post('/auth/login/guest', {
      gender: 'x',
      first_name: 'G',
      last_name: 'U',
      email: uniqueEmail(),
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['gender']);
  });
});

describe('token, session and logout', () => {
  it('hands out the stored access token, describes the session and logs out idempotently', async () => {
    const browser = new Browser(stack.url);
    const reg = await browser.post('/auth/register', registration(uniqueEmail()));
    const token = await browser.post('/auth/token');
    expect(token.status).toBe(200);
    expect(token.headers['cache-control']).toBe('no-store');
    expect(token.body.access_token).toBe(reg.body.access_token);

    const session = await browser.get('/auth/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ authenticated: true, customer: { id: reg.body.customer.id, guest: false } });
    expect(Date.parse(session.body.idle_expires_at)).toBeLessThanOrEqual(Date.parse(session.body.expires_at));

    const revokesBefore = stack.emulator.state.calls('revoke');
    const logout = await browser.post('/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.setCookies.some((c) => c.startsWith('bff_session=;'))).toBe(true);
    expect(stack.emulator.state.calls('revoke')).toBe(revokesBefore + 1);
    expect(browser.cookies.has('bff_session')).toBe(false);

    const again = await browser.post('/auth/logout');
    expect(again.status).toBe(204);
    const after = await browser.post('/auth/token');
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('SESSION_MISSING');
  });

  it('answers repeated token and session calls alike, with expires_in counting down as time passes', async () => {
    // The hot routes send a body serialised once per record and second (http/serialized-bodies.ts).
    const browser = new Browser(stack.url);
    await browser.post('/auth/register', registration(uniqueEmail()));
    const first = await browser.post('/auth/token');
    const firstSession = await browser.get('/auth/session');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const later = await browser.post('/auth/token');
    const laterSession = await browser.get('/auth/session');
    for (const res of [first, later, firstSession, laterSession]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    expect(later.body.expires_in).toBeLessThanOrEqual(first.body.expires_in - 2);
    expect(Date.parse(later.body.expires_at) - Date.now()).toBeGreaterThanOrEqual(later.body.expires_in * 1000 - 1000);
    expect({ ...later.body, expires_in: 0 }).toEqual({ ...first.body, expires_in: 0 });
    expect(laterSession.body).toEqual(firstSession.body);
    expect(later.text).not.toMatch(/refresh/i);
  });

  it('revokes the tokens upstream at logout: SCAYLE no longer accepts the access token', async () => {
    const browser = new Browser(stack.url);
    const reg = await browser.post('/auth/register', registration(uniqueEmail()));
    expect(await stack.emulator.state.isAccessTokenValid(reg.body.access_token)).toBe(true);
    await browser.post('/auth/logout');
    expect(await stack.emulator.state.isAccessTokenValid(reg.body.access_token)).toBe(false);
  });

  it('answers 401 SESSION_MISSING without a session, for a garbage cookie too', async () => {
    const none = await new Browser(stack.url).post('/auth/token');
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('SESSION_MISSING');
    const garbage = new Browser(stack.url);
    garbage.cookies.set('bff_session', 'not-a-session');
    const res = await garbage.get('/auth/session');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('SESSION_MISSING');
  });
});

describe('operational routes', () => {
  it('answers liveness and readiness', async () => {
    const browser = new Browser(stack.url);
    expect((await browser.get('/health/live')).body).toEqual({ status: 'ok' });
    const ready = await browser.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ store: 'ok', upstream: 'ok' });
  });
});
