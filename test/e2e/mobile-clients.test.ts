// Token-mode (mobile) clients: the same routes without cookies. x-client-key where a session is created,
// `Authorization: Token <session_token>` afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { CLIENT_KEYS: 'ios-app-7f3a=token,web-shop=cookie' } });
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
