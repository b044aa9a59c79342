// Social login by provider code (seed 004) end to end, in web and token mode: the provider in the body or
// the path, SCAYLE_CLIENT_KEY added server-side, and unknown providers, foreign redirect_uris and
// rejected codes refused (the first two without asking SCAYLE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

const REDIRECT_URI = 'https://shop.test/social/callback';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    // The emulator insists on this client_key: a login only works if the BFF sends SCAYLE_CLIENT_KEY.
    emulator: { clientKey: 'shop-client-key' },
    env: {
      SCAYLE_CLIENT_KEY: 'shop-client-key',
      SOCIAL_PROVIDERS: 'google-oauth2,apple',
      SOCIAL_REDIRECT_URIS: REDIRECT_URI,
      CLIENT_KEYS: 'ios-app=token',
    },
  });
});
afterAll(async () => {
  await stack.close();
});

const calls = () => stack.emulator.state.calls('social.login');
const name = () => uniqueEmail('social').split('@')[0]!.replaceAll('.', '-');

describe('social login by code, web', () => {
  it('logs in with the provider in the body, sets the cookie and ends the session the browser had', async () => {
    const browser = new Browser(stack.url);
    await browser.post('/auth/login/guest', { gender: 'm', first_name: 'G', last_name: 'U', email: uniqueEmail() });
    const before = browser.cookies.get('bff_session')!;
    const who = name();
    const res = await browser.post('/auth/social/login', { provider: 'google-oauth2', code: `valid-${who}`, redirect_uri: REDIRECT_URI });
    expect(res.status, res.text).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', customer: { guest: false } });
    expect(res.body).not.toHaveProperty('session_token');
    expect(browser.cookies.get('bff_session')).not.toBe(before);
    const session = await browser.get('/auth/session');
    expect(stack.emulator.state.customers.get(Number(session.body.customer.id))?.email).toBe(`${who}@google-oauth2.example.test`);

    const old = new Browser(stack.url);
    old.cookies.set('bff_session', before);
    expect((await old.get('/auth/session')).status).toBe(401);
  });

  it('logs in with the provider in the path; a one-time code works once', async () => {
    const code = stack.emulator.state.issueSocialCode('apple', uniqueEmail('apple'));
    const first = await new Browser(stack.url).post('/auth/social/login/apple', { code, redirect_uri: REDIRECT_URI });
    expect(first.status, first.text).toBe(200);
    const again = await new Browser(stack.url).post('/auth/social/login/apple', { code, redirect_uri: REDIRECT_URI });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('SOCIAL_CODE_INVALID');
  });

  it('answers 400 SOCIAL_CODE_INVALID for a code SCAYLE rejects', async () => {
    const res = await new Browser(stack.url).post('/auth/social/login', { provider: 'apple', code: 'wrong', redirect_uri: REDIRECT_URI });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('SOCIAL_CODE_INVALID');
  });

  it('answers 404 PROVIDER_UNKNOWN and 400 REDIRECT_NOT_ALLOWED without calling SCAYLE', async () => {
    const browser = new Browser(stack.url);
    const before = calls();
    // SCAYLE (the emulator) would accept any provider: the shop's list decides.
    for (const attempt of [
      () => browser.post('/auth/social/login', { provider: 'github', code: 'valid-x', redirect_uri: REDIRECT_URI }),
      () => browser.post('/auth/social/login/github', { code: 'valid-x', redirect_uri: REDIRECT_URI }),
    ]) {
      const res = await attempt();
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('PROVIDER_UNKNOWN');
    }
    for (const redirectUri of [`${REDIRECT_URI}/x`, 'https://evil.test/social/callback', 'http://shop.test/social/callback', 'not a url']) {
      const res = await browser.post('/auth/social/login', { provider: 'apple', code: 'valid-x', redirect_uri: redirectUri });
      expect(res.status, redirectUri).toBe(400);
      expect(res.body.code).toBe('REDIRECT_NOT_ALLOWED');
    }
    expect(calls()).toBe(before);
  });

  it('applies the login CSRF rule: a foreign page cannot log a browser in', async () => {
    const res = await new Browser(stack.url, 'https://evil.test').post('/auth/social/login', {
      provider: 'apple',
      code: 'valid-csrf',
      redirect_uri: REDIRECT_URI,
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_REJECTED');
  });

  it('rejects unknown fields and a provider in both body and path', async () => {
    const res = await new Browser(stack.url).post('/auth/social/login/apple', {
      provider: 'apple',
      code: 'valid-x',
      redirect_uri: REDIRECT_URI,
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });
});

describe('social login by code, token mode', () => {
  it('answers with a session_token and no cookie, usable as Authorization: Token alone', async () => {
    const app = new Browser(stack.url);
    const res = await app.post(
      '/auth/social/login/google-oauth2',
      { code: `valid-${name()}`, redirect_uri: REDIRECT_URI },
      { csrf: false, headers: { 'x-client-key': 'ios-app' } },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.session_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.setCookies).toEqual([]);
    const session = await app.get('/auth/session', { headers: { authorization: `Token ${res.body.session_token}` } });
    expect(session.status).toBe(200);
    expect(session.body.customer.id).toBe(res.body.customer.id);
  });
});
