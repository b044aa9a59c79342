// The SCAYLE emulator's multi-step flows over real HTTP: password reset via the outbox, password change,
// SSO redirect + code exchange, logout redirect, and seed 004's magic link and social login.
import { SignJWT, decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { createEmulatorCaller, email, location, useEmulator } from '../helpers/emulator-http.js';

const CLIENT = { clientId: 'flow-client', clientSecret: 'flow-secret' };
const SHOP_ID = 9;
const SHOP_SECRET = 'flow-shop-secret';
let clock = Date.now();
let emu: Emulator;

const { call, register: sendRegistration, login, refresh, validate } = createEmulatorCaller(() => emu, CLIENT, SHOP_ID);

async function register(address = email(), password = 'first password') {
  const body = { first_name: 'A', last_name: 'B', email: address, password, gender: 'd', shop_id: SHOP_ID };
  return (await sendRegistration(body)).json;
}
const shopJwt = (claims: Record<string, unknown>, secret = SHOP_SECRET, expiresIn = '15m') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));

useEmulator({ ...CLIENT, shopId: SHOP_ID, shopSecret: SHOP_SECRET, now: () => clock }, (started) => {
  emu = started;
});
afterEach(() => {
  clock = Date.now();
  emu.setOptions({ magicLinkCreatesCustomer: undefined, clientKey: undefined });
});

describe('password reset', () => {
  const sendReset = (address: string, resetUrl = 'https://shop.test/reset?hash={hash}') =>
    call('POST', '/v1/auth/password/send-reset-email', { body: { email: address, reset_url: resetUrl, shop_id: SHOP_ID } });
  const updateByHash = (hash: string, password: string) =>
    call('PUT', '/v1/auth/password/update-by-hash', { body: { hash, password, shop_id: SHOP_ID } });

  it('mails a link, and update-by-hash logs in, revokes older tokens and is single-use', async () => {
    const address = email('reset');
    const old = await register(address);
    expect((await sendReset(address)).status).toBe(204);
    const mail = emu.state.outbox.at(-1)!;
    expect(mail).toMatchObject({ kind: 'password-reset', email: address });
    expect(mail.link).toBe(`https://shop.test/reset?hash=${mail.token}`);

    const res = await updateByHash(mail.token, 'second password');
    expect(res.status).toBe(200);
    expect(decodeJwt(res.json.access_token).customerId).toBe(decodeJwt(old.access_token).customerId);
    expect((await validate(old.access_token)).status).toBe(401);
    expect((await refresh(old.refresh_token)).status).toBe(401);
    expect((await validate(res.json.access_token)).status).toBe(200);
    expect((await login(address, 'second password')).status).toBe(200);
    expect((await login(address, 'first password')).status).toBe(401);

    const again = await updateByHash(mail.token, 'third password');
    expect(again.status).toBe(400);
    expect(again.json.error).toBe('invalid_hash');
  });

  it('answers 204 for an unknown e-mail without mailing, and 400 without {hash}', async () => {
    const before = emu.state.outbox.length;
    expect((await sendReset(email('nobody'))).status).toBe(204);
    expect(emu.state.outbox.length).toBe(before);
    const address = email();
    await register(address);
    expect((await sendReset(address, 'https://shop.test/reset')).status).toBe(400);
  });

  it('expires hashes after an hour, and a weak password does not burn the hash', async () => {
    const address = email();
    await register(address);
    await sendReset(address);
    const { token } = emu.state.outbox.at(-1)!;
    expect((await updateByHash(token, 'short')).status).toBe(422);
    clock += 3_601_000;
    expect((await updateByHash(token, 'long enough')).status).toBe(400);
  });
});

describe('password change', () => {
  it("checks the current password, then revokes the other families but not the caller's", async () => {
    const address = email('change');
    const here = await register(address);
    const elsewhere = (await login(address, 'first password')).json;
    const wrong = await call('PUT', '/v1/auth/password', {
      auth: { bearer: here.access_token },
      body: { password: 'not it at all', new_password: 'new password' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toBe('invalid_password');
    const ok = await call('PUT', '/v1/auth/password', {
      auth: { bearer: here.access_token },
      body: { password: 'first password', new_password: 'new password' },
    });
    expect(ok.status).toBe(204);
    expect((await validate(here.access_token)).status).toBe(200);
    expect((await validate(elsewhere.access_token)).status).toBe(401);
    expect((await login(address, 'new password')).status).toBe(200);
    expect((await call('PUT', '/v1/auth/password', { auth: 'basic', body: {} })).status).toBe(401);
  });
});

describe('SSO: external redirect and code exchange', () => {
  // The fake IdP's login page has its own tests (emulator-idp.test.ts); here the IdP signs in at once.
  beforeAll(() => emu.setOptions({ idpAutoLogin: true }));
  afterAll(() => emu.setOptions({ idpAutoLogin: undefined }));
  const start = async (claims: Record<string, unknown>, query?: string) =>
    call('GET', query ?? `/v1/auth/external/redirect?shopId=${SHOP_ID}&jwt=${await shopJwt(claims)}`, { auth: 'none' });
  const exchange = (code: string) => call('POST', '/v1/oauth/token', { body: { grant_type: 'authorization_code', code } });
  const claims = { idpKey: 'google', callbackUrl: 'https://shop.test/cb?redirectUrl=%2Faccount', clientId: CLIENT.clientId };

  it("bounces to callbackUrl with a one-time code that exchanges for the IDP customer's tokens", async () => {
    const res = await start(claims);
    expect(res.status).toBe(302);
    const target = location(res);
    expect(`${target.origin}${target.pathname}`).toBe('https://shop.test/cb');
    expect(target.searchParams.get('redirectUrl')).toBe('/account');
    const code = target.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const tokens = await exchange(code);
    expect(tokens.status).toBe(200);
    const customerId = decodeJwt(tokens.json.access_token).customerId as number;
    expect([...emu.state.customers.values()].find((c) => c.id === customerId)?.email).toBe('google-user@example.test');
    const reuse = await exchange(code);
    expect(reuse.status).toBe(400);
    expect(reuse.json.error).toBe('invalid_grant');

    // A second sign-in links to the same customer.
    const second = await exchange(location(await start(claims)).searchParams.get('code')!);
    expect(decodeJwt(second.json.access_token).customerId).toBe(customerId);
  });

  it('rejects bad JWTs with 400 and bad query parameters with 422; codes expire after 5 minutes', async () => {
    const forged = await shopJwt(claims, 'another-secret');
    expect((await start({}, `/v1/auth/external/redirect?shopId=${SHOP_ID}&jwt=${forged}`)).status).toBe(400);
    expect((await start({ ...claims, clientId: 'someone-else' })).status).toBe(400);
    expect((await start({}, `/v1/auth/external/redirect?shopId=${SHOP_ID}`)).status).toBe(422);
    expect((await start({}, `/v1/auth/external/redirect?shopId=1&jwt=${await shopJwt(claims)}`)).status).toBe(422);
    const code = location(await start(claims)).searchParams.get('code')!;
    clock += 301_000;
    expect((await exchange(code)).status).toBe(400);
  });
});

describe('logout redirect', () => {
  it('revokes the family of tokenId and redirects to callbackUrl', async () => {
    const pair = await register();
    const jwt = await shopJwt({ callbackUrl: 'https://shop.test/bye', tokenId: decodeJwt(pair.access_token).jti });
    const res = await call('GET', `/v1/auth/logout/redirect?shopId=${SHOP_ID}&jwt=${jwt}`, { auth: 'none' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://shop.test/bye');
    expect((await validate(pair.access_token)).status).toBe(401);
  });

  it('is 400 for an expired JWT and 422 without parameters', async () => {
    const expired = await shopJwt({ callbackUrl: 'https://shop.test/bye' }, SHOP_SECRET, '-1m');
    expect((await call('GET', `/v1/auth/logout/redirect?shopId=${SHOP_ID}&jwt=${expired}`, { auth: 'none' })).status).toBe(400);
    expect((await call('GET', '/v1/auth/logout/redirect', { auth: 'none' })).status).toBe(422);
  });
});

describe('magic link (seed 004)', () => {
  const send = (address: string, path = '/v1/auth/by-link/link/') => call('POST', path, { body: { email: address } });
  const redeem = (token: string, path = '/v1/auth/by-link/login/') => call('POST', path, { body: { token, client_key: 'app-key' } });

  it('returns _debug_auth_link, mails it, and logs in once with token == access_token', async () => {
    const address = email('magic');
    const registered = await register(address);
    const res = await send(address);
    expect(res.status).toBe(200);
    const mail = emu.state.outbox.at(-1)!;
    expect(mail).toMatchObject({ kind: 'magic-link', email: address });
    expect(res.json._debug_auth_link).toBe(`http://localhost:3000/magic-link?token=${mail.token}`);

    const login = await redeem(mail.token, '/v1/auth/by-link/login');
    expect(login.status).toBe(200);
    expect(login.json.token).toBe(login.json.access_token);
    expect(login.json).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) });
    expect(decodeJwt(login.json.access_token).customerId).toBe(decodeJwt(registered.access_token).customerId);
    const again = await redeem(mail.token);
    expect(again.status).toBe(400);
    expect(again.json.error).toBe('invalid_token');
  });

  it('signs an unknown e-mail up on login, unless magicLinkCreatesCustomer is off', async () => {
    const address = email('new');
    await send(address, '/v1/auth/by-link/link');
    expect((await redeem(emu.state.outbox.at(-1)!.token)).status).toBe(200);
    expect(emu.state.findRegisteredByEmail(address)).toBeDefined();

    emu.setOptions({ magicLinkCreatesCustomer: false });
    const before = emu.state.outbox.length;
    const res = await send(email('ghost'));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    expect(emu.state.outbox.length).toBe(before);
  });

  it('requires Basic auth, a client_key, and the configured one when set', async () => {
    expect((await call('POST', '/v1/auth/by-link/link/', { auth: 'none', body: { email: email() } })).status).toBe(401);
    await send(email());
    const { token } = emu.state.outbox.at(-1)!;
    expect((await call('POST', '/v1/auth/by-link/login/', { body: { token } })).status).toBe(400);
    emu.setOptions({ clientKey: 'expected-key' });
    expect((await redeem(token)).status).toBe(401);
  });
});

describe('social login (seed 004)', () => {
  const body = { client_key: 'k', redirect_uri: 'https://shop.test/social/cb' };

  it('signs up with a valid-* code, then signs the same person in via the path form', async () => {
    const res = await call('POST', '/v1/auth/social/login/', { body: { ...body, provider: 'google-oauth2', code: 'valid-carol' } });
    expect(res.status).toBe(200);
    const customer = emu.state.findRegisteredByEmail('carol@google-oauth2.example.test');
    expect(customer?.idp).toBe('google-oauth2');
    const again = await call('POST', '/v1/auth/social/login/google-oauth2/', { body: { ...body, code: 'valid-carol' } });
    expect(again.status).toBe(200);
    expect(decodeJwt(again.json.access_token).customerId).toBe(customer?.id);
  });

  it('accepts an issued code once for its provider only; anything else is invalid_code', async () => {
    const code = emu.state.issueSocialCode('apple', 'dave@example.test');
    expect((await call('POST', '/v1/auth/social/login/google-oauth2', { body: { ...body, code } })).status).toBe(400);
    const ok = await call('POST', '/v1/auth/social/login/apple', { body: { ...body, code } });
    expect(ok.status).toBe(200);
    const reuse = await call('POST', '/v1/auth/social/login/apple', { body: { ...body, code } });
    expect(reuse.status).toBe(400);
    expect(reuse.json.error).toBe('invalid_code');
  });

  it('requires redirect_uri and Basic auth', async () => {
    const { redirect_uri: _r, ...noRedirect } = body;
    const res = await call('POST', '/v1/auth/social/login/apple', { body: { ...noRedirect, code: 'valid-x' } });
    expect(res.status).toBe(400);
    expect(res.json.context?.fields).toContain('redirect_uri');
    expect((await call('POST', '/v1/auth/social/login/apple', { auth: 'none', body: { ...body, code: 'valid-x' } })).status).toBe(401);
  });
});
