// The emulator's fake identity provider behind SSO: external/redirect checks the shop's JWT (signature,
// expiry, allow-listed callback), shows a login page, and the IdP's answer comes back through
// external/callback as a one-time SCAYLE code (or error=access_denied when the user cancels).
import { SignJWT, decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { createEmulatorCaller, location, useEmulator, type Res } from '../helpers/emulator-http.js';

const CLIENT = { clientId: 'idp-client', clientSecret: 'idp-secret' };
const SHOP_ID = 11;
const SHOP_SECRET = 'idp-shop-secret';
let emu: Emulator;
const { call } = createEmulatorCaller(() => emu, CLIENT, SHOP_ID);

useEmulator({ ...CLIENT, shopId: SHOP_ID, shopSecret: SHOP_SECRET }, (started) => {
  emu = started;
});
afterEach(() => emu.setOptions({ externalCallbackUrls: undefined }));

const shopJwt = (claims: Record<string, unknown>, expiresIn = '15m') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(SHOP_SECRET));
const claims = { idpKey: 'google', callbackUrl: 'https://bff.test/auth/social/callback?state=s1', clientId: CLIENT.clientId };
const start = async (c: Record<string, unknown> = claims, expiresIn = '15m') =>
  call('GET', `/v1/auth/external/redirect?shopId=${SHOP_ID}&jwt=${await shopJwt(c, expiresIn)}`, { auth: 'none' });
/** A relative Location, as the emulator sends within itself, made a path again. */
const pathOf = (res: Res) => {
  const url = new URL(String(res.headers.location), emu.url);
  return `${url.pathname}${url.search}`;
};
const submit = (flow: string, fields: Record<string, string>) =>
  call('POST', '/idp/login', { auth: 'none', form: new URLSearchParams({ flow, ...fields }).toString() });

describe('fake identity provider', () => {
  it('shows a login page, then returns through external/callback with a one-time code for that e-mail', async () => {
    const redirect = await start();
    expect(redirect.status).toBe(302);
    const pagePath = pathOf(redirect);
    expect(pagePath).toMatch(/^\/idp\/login\?flow=/);
    const flow = new URL(pagePath, emu.url).searchParams.get('flow')!;
    const page = await call('GET', pagePath, { auth: 'none' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('Sign in with google');

    const loggedIn = await submit(flow, { email: 'ida@idp.example.test', action: 'login' });
    expect(loggedIn.status).toBe(302);
    const callbackPath = pathOf(loggedIn);
    expect(callbackPath).toMatch(/^\/v1\/auth\/external\/callback\?/);
    const back = await call('GET', callbackPath, { auth: 'none' });
    expect(back.status).toBe(302);
    const target = location(back);
    expect(`${target.origin}${target.pathname}`).toBe('https://bff.test/auth/social/callback');
    expect(target.searchParams.get('state')).toBe('s1');
    const code = target.searchParams.get('code')!;

    const tokens = await call('POST', '/v1/oauth/token', { body: { grant_type: 'authorization_code', code } });
    expect(tokens.status).toBe(200);
    const customerId = decodeJwt(tokens.json.access_token).customerId as number;
    expect(emu.state.customers.get(customerId)?.email).toBe('ida@idp.example.test');
    expect((await call('GET', callbackPath, { auth: 'none' })).status).toBe(400);
    expect((await submit(flow, { email: 'again@idp.example.test', action: 'login' })).status).toBe(400);
  });

  it('sends the browser back with error=access_denied when the user cancels', async () => {
    const flow = new URL(pathOf(await start()), emu.url).searchParams.get('flow')!;
    const back = await call('GET', pathOf(await submit(flow, { action: 'cancel' })), { auth: 'none' });
    expect(back.status).toBe(302);
    expect(location(back).searchParams.get('error')).toBe('access_denied');
    expect(location(back).searchParams.has('code')).toBe(false);
  });

  it('rejects a callbackUrl that is not allow-listed, an expired JWT, a forged IdP code and an unknown flow', async () => {
    emu.setOptions({ externalCallbackUrls: ['https://bff.test/auth/social/callback'] });
    expect((await start()).status).toBe(302);
    expect((await start({ ...claims, callbackUrl: 'https://evil.test/auth/social/callback' })).status).toBe(400);
    expect((await start({ ...claims, callbackUrl: 'https://bff.test/auth/social/callback/x' })).status).toBe(400);
    expect((await start(claims, '-1m')).status).toBe(400);

    const flow = new URL(pathOf(await start()), emu.url).searchParams.get('flow')!;
    await submit(flow, { email: 'x@idp.example.test', action: 'login' });
    const forged = await call('GET', `/v1/auth/external/callback?state=${flow}&code=made-up`, { auth: 'none' });
    expect(forged.status).toBe(400);
    expect((await call('GET', '/idp/login?flow=unknown', { auth: 'none' })).status).toBe(400);
  });
});
