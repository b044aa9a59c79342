// Token-mode (mobile) clients: the same routes without cookies. x-client-key where a session is created,
// `Authorization: Token <session_token>` afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: {
      CLIENT_KEYS: 'ios-app-7f3a=token,web-shop=cookie',
      SOCIAL_PROVIDERS: 'apple',
      SOCIAL_REDIRECT_URIS: 'https://shop.test/social/callback',
    },
  });
});
afterAll(async () => {
  await stack.close();
});

const guest = () => ({ gender: 'm', first_name: 'M', last_name: 'Obile', email: uniqueEmail('app') });

describe('token-mode clients', () => {
  it('get a session_token in the body and no cookie, and use it as Authorization: Token', async () => {
    const app = new Browser(stack.url);
    const login = await app.post('/auth/login/guest', guest(), { csrf: false, headers: { 'x-client-key': 'ios-app-7f3a' } });
    expect(login.status).toBe(200);
    expect(login.body.session_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(login.setCookies).toEqual([]);
    const auth = { authorization: `Token ${login.body.session_token}` };

    const token = await app.post('/auth/token', undefined, { csrf: false, headers: auth });
    expect(token.status).toBe(200);
    expect(token.body.access_token).toBe(login.body.access_token);
    expect(token.body).not.toHaveProperty('session_token');

    const session = await app.get('/auth/session', { headers: auth });
    expect(session.status).toBe(200);

    const mismatched = await app.get('/auth/session', { headers: { ...auth, 'x-client-key': 'web-shop' } });
    expect(mismatched.status).toBe(401);
    expect(mismatched.body.code).toBe('CLIENT_UNKNOWN');

    const logout = await app.post('/auth/logout', undefined, { csrf: false, headers: auth });
    expect(logout.status).toBe(204);
    expect((await app.get('/auth/session', { headers: auth })).status).toBe(401);
  });

  it('are exempt from CSRF even when their HTTP stack sends an Origin', async () => {
    const res = await new Browser(stack.url, 'capacitor://localhost').call('POST', '/auth/login/guest', {
      body: guest(),
      csrf: false,
      headers: { origin: 'capacitor://localhost', 'x-client-key': 'ios-app-7f3a' },
    });
    expect(res.status).toBe(200);
  });

  it('answer 401 CLIENT_UNKNOWN for an unknown x-client-key', async () => {
    const res = await new Browser(stack.url).post('/auth/login/guest', guest(), { csrf: false, headers: { 'x-client-key': 'nope' } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('CLIENT_UNKNOWN');
  });

  it('cannot use a cookie session id as a Token credential', async () => {
    const browser = new Browser(stack.url);
    await browser.post('/auth/login/guest', guest());
    const cookieValue = browser.cookies.get('bff_session')!;
    const res = await new Browser(stack.url).get('/auth/session', { headers: { authorization: `Token ${cookieValue}` } });
    expect(res.status).toBe(401);
  });
});

describe('a login that arrives with an old session', () => {
  const tokenLogin = async (): Promise<string> => {
    const res = await new Browser(stack.url).post('/auth/login/guest', guest(), {
      csrf: false,
      headers: { 'x-client-key': 'ios-app-7f3a' },
    });
    expect(res.status).toBe(200);
    return res.body.session_token as string;
  };

  it('ends the browser’s cookie session when it is a token-mode login', async () => {
    const browser = new Browser(stack.url);
    expect((await browser.post('/auth/login/guest', guest())).status).toBe(200);
    const login = await browser.post('/auth/login/guest', guest(), { headers: { 'x-client-key': 'ios-app-7f3a' } });
    expect(login.status).toBe(200);
    expect(login.body.session_token).toBeDefined();
    // The jar still holds the old cookie (a token-mode answer sets none): it must lead nowhere now.
    expect(browser.cookies.get('bff_session')).toBeDefined();
    expect((await browser.get('/auth/session')).status).toBe(401);
  });

  it('ends the Token session when it is a cookie-mode login, with or without x-client-key', async () => {
    for (const headers of [{ 'x-client-key': 'web-shop' }, {}] as Array<Record<string, string>>) {
      const old = await tokenLogin();
      const login = await new Browser(stack.url).post('/auth/login/guest', guest(), {
        headers: { ...headers, authorization: `Token ${old}` },
      });
      expect(login.status).toBe(200);
      expect(login.setCookies.some((c) => c.startsWith('bff_session='))).toBe(true);
      expect((await new Browser(stack.url).get('/auth/session', { headers: { authorization: `Token ${old}` } })).status).toBe(401);
    }
  });

  it('ends both when it carries a cookie and a Token', async () => {
    const browser = new Browser(stack.url);
    await browser.post('/auth/login/guest', guest());
    const old = await tokenLogin();
    const cookie = `bff_session=${browser.cookies.get('bff_session')!}`;
    const login = await new Browser(stack.url).post('/auth/login/guest', guest(), {
      headers: { cookie, authorization: `Token ${old}`, 'x-client-key': 'ios-app-7f3a' },
    });
    expect(login.status).toBe(200);
    expect((await browser.get('/auth/session')).status).toBe(401);
    expect((await new Browser(stack.url).get('/auth/session', { headers: { authorization: `Token ${old}` } })).status).toBe(401);
  });
});

describe('a full mobile session with Authorization: Token alone', () => {
  const APP = { 'x-client-key': 'ios-app-7f3a' };
  /** What the app sends once it holds a session_token: that header and nothing else (no key, cookie or CSRF header). */
  const only = (token: string) => ({ csrf: false, headers: { authorization: `Token ${token}` } });

  it('logs in by password, guest, magic link and social code, then uses token, session, sessions and logout', async () => {
    const app = new Browser(stack.url);
    const email = uniqueEmail('full-app');
    const registration = { gender: 'f', first_name: 'M', last_name: 'App', email, password: 'correct horse battery' };
    const registered = await app.post('/auth/register', registration, { csrf: false, headers: APP });
    expect(registered.status, registered.text).toBe(201);
    const login = await app.post('/auth/login', { email, password: registration.password }, { csrf: false, headers: APP });
    expect(login.status).toBe(200);
    const sent = await app.post('/auth/magic-link', { email }, { csrf: false, headers: APP });
    const magicToken = new URL(sent.body._debug_auth_link).searchParams.get('token')!;
    const magic = await app.post('/auth/magic-link/login', { token: magicToken }, { csrf: false, headers: APP });
    expect(magic.status).toBe(200);
    const socialCode = stack.emulator.state.issueSocialCode('apple', email);
    const social = await app.post(
      '/auth/social/login/apple',
      { code: socialCode, redirect_uri: 'https://shop.test/social/callback' },
      { csrf: false, headers: APP },
    );
    expect(social.status, social.text).toBe(200);
    const guest = await app.post(
      '/auth/login/guest',
      { gender: 'n', first_name: 'G', last_name: 'U', email: uniqueEmail() },
      {
        csrf: false,
        headers: APP,
      },
    );
    expect(guest.status).toBe(200);
    for (const res of [registered, login, magic, social, guest]) {
      expect(res.body.session_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.setCookies).toEqual([]);
    }
    expect(new Set([registered, login, magic, social].map((r) => r.body.customer.id)).size).toBe(1);
    expect(app.cookies.size).toBe(0);

    const token = social.body.session_token as string;
    const fresh = await app.post('/auth/token', undefined, only(token));
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.body).not.toHaveProperty('session_token');
    expect((await app.get('/auth/session', only(token))).body.customer.id).toBe(registered.body.customer.id);

    const listed = await app.get('/auth/sessions', only(token));
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(4);
    expect(listed.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const loginHandle = listed.body.find((s: { current: boolean }) => !s.current).id as string;
    const one = await app.call('DELETE', `/auth/sessions/${loginHandle}`, only(token));
    expect(one.status, one.text).toBe(204);
    expect((await app.get('/auth/sessions', only(token))).body).toHaveLength(3);
    const others = await app.call('DELETE', '/auth/sessions', only(token));
    expect(others.status, others.text).toBe(204);
    expect((await app.get('/auth/sessions', only(token))).body).toHaveLength(1);
    for (const ended of [registered, login, magic])
      expect((await app.get('/auth/session', only(ended.body.session_token))).status).toBe(401);

    const logout = await app.post('/auth/logout', undefined, only(token));
    expect(logout.status).toBe(204);
    expect((await app.get('/auth/session', only(token))).status).toBe(401);
    expect((await app.get('/auth/session', only(guest.body.session_token))).status).toBe(200);
  });

  it('cannot use a session_token as the session cookie', async () => {
    const login = await new Browser(stack.url).post('/auth/login/guest', guest(), { csrf: false, headers: APP });
    const browser = new Browser(stack.url);
    browser.cookies.set('bff_session', login.body.session_token);
    expect((await browser.get('/auth/session')).status).toBe(401);
  });
});

describe('per-client-key login budget', () => {
  it('throttles one app build without touching another build or the web shop', async () => {
    const limited = await startStack({
      memory: true,
      sharedEmulator: stack.emulator,
      env: { CLIENT_KEYS: 'ios-app-1=token,ios-app-2=token', RATE_LIMIT_CLIENT_KEY_PER_MINUTE: '3' },
    });
    try {
      const loginAs = (key?: string) =>
        new Browser(limited.url).post('/auth/login/guest', guest(), { ...(key ? { csrf: false, headers: { 'x-client-key': key } } : {}) });
      for (let i = 0; i < 3; i += 1) expect((await loginAs('ios-app-1')).status).toBe(200);
      const throttled = await loginAs('ios-app-1');
      expect(throttled.status).toBe(429);
      expect(throttled.body.code).toBe('RATE_LIMITED');
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      expect((await loginAs('ios-app-2')).status).toBe(200);
      for (let i = 0; i < 4; i += 1) expect((await loginAs()).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
