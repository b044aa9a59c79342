// Logout through SCAYLE's redirect (issue 15 point 4): the 302 to SCAYLE with a JWT signed by the shop
// secret, the local session ended and the cookie cleared in the same answer, and the allow-list.
import { decodeJwt, jwtVerify } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAt, customerOn, endedCount } from '../helpers/account.js';
import { parseSetCookie } from '../helpers/http.js';
import { startStack, TEST_SECRETS, type Stack } from '../helpers/stack.js';

const CALLBACK = 'https://shop.example/logged-out';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { TRUST_PROXY: 'true', LOGOUT_CALLBACK_URLS: `${CALLBACK},https://m.shop.example/bye` } });
});
afterAll(async () => {
  await stack?.close();
});

const path = (callback: string) => `/auth/logout/redirect?callback_url=${encodeURIComponent(callback)}`;

async function jwtOf(location: string) {
  const target = new URL(location);
  expect(`${target.origin}${target.pathname}`).toBe(`${stack.emulator.url}/v1/auth/logout/redirect`);
  expect(target.searchParams.get('shopId')).toBe('7');
  const { payload, protectedHeader } = await jwtVerify(target.searchParams.get('jwt')!, new TextEncoder().encode(TEST_SECRETS.shopSecret), {
    algorithms: ['HS256'],
  });
  expect(protectedHeader.alg).toBe('HS256');
  expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
  expect(payload.exp! * 1000).toBeLessThanOrEqual(Date.now() + 300_000);
  return payload;
}

describe('GET /auth/logout/redirect', () => {
  it('redirects to SCAYLE with callbackUrl and the access token id, and ends the session in the same answer', async () => {
    const customer = await customerOn([stack.url, stack.url], 'redirect');
    const [device, other] = customer.devices;
    const access = (await device!.post('/auth/token')).body.access_token as string;
    const before = await endedCount(stack.url, 'logout');

    const res = await device!.get(path(`${CALLBACK}?from=account`));
    expect(res.status).toBe(302);
    expect(res.headers['cache-control']).toBe('no-store');
    const payload = await jwtOf(res.headers.location as string);
    expect(payload).toMatchObject({ callbackUrl: `${CALLBACK}?from=account`, tokenId: decodeJwt(access).jti });
    const cleared = res.setCookies.map(parseSetCookie).find((c) => c.name === stack.config.session.cookieName);
    expect(cleared?.value).toBe('');
    expect(await endedCount(stack.url, 'logout')).toBe(before + 1);
    expect(device!.cookies.size).toBe(0);

    // SCAYLE (the emulator) checks the JWT, revokes that token family and sends the browser home.
    const scayle = await request(res.headers.location as string, { method: 'GET' });
    await scayle.body.dump();
    expect(scayle.statusCode).toBe(302);
    expect(scayle.headers.location).toBe(`${CALLBACK}?from=account`);
    expect(await stack.emulator.state.isAccessTokenValid(access)).toBe(false);
    // Only that session ended: the customer's other device is still logged in.
    expect((await other!.get('/auth/session')).status).toBe(200);
  });

  it('still redirects without a session, with no token id', async () => {
    const res = await browserAt(stack.url).get(path('https://m.shop.example/bye'));
    expect(res.status).toBe(302);
    const payload = await jwtOf(res.headers.location as string);
    expect(payload.callbackUrl).toBe('https://m.shop.example/bye');
    expect(payload).not.toHaveProperty('tokenId');
  });

  it('answers 400 REDIRECT_NOT_ALLOWED for a callback off the allow-list, and nothing else happens', async () => {
    const device = (await customerOn([stack.url], 'redirect-bad')).devices[0]!;
    const before = await endedCount(stack.url, 'logout');
    for (const callback of [
      'https://shop.example/logged-out/more',
      'https://shop.example/logged-outx',
      'http://shop.example/logged-out',
      'https://shop.example:8443/logged-out',
      'https://evil.example/logged-out',
      'javascript:alert(1)',
    ]) {
      const res = await device.get(path(callback));
      expect([res.status, res.body.code], callback).toEqual([400, 'REDIRECT_NOT_ALLOWED']);
      expect(res.headers.location).toBeUndefined();
      expect(res.setCookies).toEqual([]);
    }
    expect((await device.get('/auth/session')).status).toBe(200);
    expect(await endedCount(stack.url, 'logout')).toBe(before);
  });

  it('validates the query strictly', async () => {
    const browser = browserAt(stack.url);
    const missing = await browser.get('/auth/logout/redirect');
    expect([missing.status, missing.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const extra = await browser.get(`${path(CALLBACK)}&next=elsewhere`);
    expect(extra.status).toBe(400);
    expect(extra.text).not.toContain('elsewhere');
    const long = await browser.get(path(`${CALLBACK}?q=${'x'.repeat(3000)}`));
    expect(long.status).toBe(400);
  });
});
