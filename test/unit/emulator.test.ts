// The SCAYLE emulator over real HTTP: client auth, accounts, token shape/JWKS, rotation modes, validate,
// revoke and logout.
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { createEmulatorCaller, email, useEmulator } from '../helpers/emulator-http.js';

const CLIENT = { clientId: 'unit-client', clientSecret: 'unit-secret' };
const SHOP_ID = 42;
let clock = Date.now();
let emu: Emulator;

const { call, register: sendRegistration, login, guest, refresh, validate } = createEmulatorCaller(() => emu, CLIENT, SHOP_ID);

const registration = (address = email()) => ({
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: address,
  password: 'correct horse',
  gender: 'f',
  shop_id: SHOP_ID,
});
const register = async (address = email()) => (await sendRegistration(registration(address))).json;
const shopHeader = { 'x-shop-id': String(SHOP_ID) };

useEmulator({ ...CLIENT, shopId: SHOP_ID, shopSecret: 'shop-secret', now: () => clock }, (started) => {
  emu = started;
});
afterEach(() => {
  clock = Date.now();
  emu.faults.clear();
  emu.setOptions({ rotation: undefined, registerStatus: undefined, wrongPasswordStatus: undefined });
});

describe('client authentication', () => {
  it.each([
    ['missing', 'none' as const],
    ['wrong secret', { headers: { authorization: `Basic ${Buffer.from('unit-client:nope').toString('base64')}` } }],
    ['a bearer token', { bearer: 'x.y.z' }],
  ])("rejects %s Basic credentials with SCAYLE's INVALID_CLIENT body", async (_name, auth) => {
    const opts = typeof auth === 'object' && 'headers' in auth ? { auth: 'none' as const, ...auth } : { auth };
    const res = await call('POST', '/v1/auth/register', { body: registration(), ...opts });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: 'INVALID_CLIENT', message: 'Client authentication failed.', context: null });
  });

  it('guards the token endpoint and guest login too', async () => {
    expect(
      (await call('POST', '/v1/oauth/token', { auth: 'none', body: { grant_type: 'refresh_token', refresh_token: 'x' } })).status,
    ).toBe(401);
    expect((await call('POST', '/v1/auth/login/guest', { auth: 'none', body: {} })).status).toBe(401);
  });
});

describe('register, login, guest', () => {
  it('registers with 201 and an RS256 access token that verifies against the JWKS', async () => {
    const res = await sendRegistration(registration());
    expect(res.status).toBe(201);
    expect(Object.keys(res.json)).toEqual(['token_type', 'expires_in', 'access_token', 'refresh_token']);
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    expect(res.json.refresh_token).toMatch(/^[\w-]{32,}$/);

    const jwks = createRemoteJWKSet(new URL(`${emu.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(res.json.access_token, jwks, { issuer: emu.url });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(typeof protectedHeader.kid).toBe('string');
    expect(payload.customerId).toEqual(expect.any(Number));
    expect(payload.sub).toBe(String(payload.customerId));
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.guest).toBe(false);
    expect(payload.exp! - payload.iat!).toBe(300);
  });

  it('gives incrementing customer ids and refuses a duplicate e-mail case-insensitively', async () => {
    const address = email('dup');
    const first = decodeJwt((await register(address)).access_token).customerId as number;
    const second = decodeJwt((await register()).access_token).customerId as number;
    expect(second).toBeGreaterThan(first);
    const dup = await sendRegistration(registration(address.toUpperCase()));
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ error: 'conflict', context: null });
  });

  it('validates the body: missing fields and a wrong shop are 400, a short password 422', async () => {
    const { gender: _gender, ...noGender } = registration();
    const missing = await sendRegistration(noGender);
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error: 'validation_error', context: { fields: ['gender'] } });
    expect((await sendRegistration({ ...registration(), shop_id: 1 })).status).toBe(400);
    const weak = await sendRegistration({ ...registration(), password: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.json.error).toBe('validation_error');
  });

  it('answers register with 200 when registerStatus says so', async () => {
    emu.setOptions({ registerStatus: 200 });
    expect((await sendRegistration(registration())).status).toBe(200);
  });

  it('logs in with the right password only; wrong and unknown are invalid_credentials', async () => {
    const address = email('login');
    await register(address);
    const ok = await login(address, 'correct horse');
    expect(ok.status).toBe(200);
    expect(ok.json.token_type).toBe('Bearer');
    const wrong = await login(address, 'wrong horse');
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toBe('invalid_credentials');
    emu.setOptions({ wrongPasswordStatus: 404 });
    const unknown = await login(email(), 'whatever1');
    expect(unknown.status).toBe(404);
  });

  it('creates a new guest customer per guest login, flagged in the token, who cannot log in', async () => {
    const body = { first_name: 'G', last_name: 'Uest', email: email('guest'), gender: 'n', shop_id: SHOP_ID };
    const a = await guest(body);
    const b = await guest(body);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [ca, cb] = [decodeJwt(a.json.access_token), decodeJwt(b.json.access_token)];
    expect(ca.guest).toBe(true);
    expect(ca.customerId).not.toBe(cb.customerId);
    const asRegistered = await login(body.email, 'anything1');
    expect(asRegistered.status).toBe(401);
  });
});

describe('refresh and rotation', () => {
  it('strict (default): a new pair for the same customer; reusing the old refresh token is 401 invalid_grant', async () => {
    const first = await register();
    const next = await refresh(first.refresh_token);
    expect(next.status).toBe(200);
    expect(next.json.refresh_token).not.toBe(first.refresh_token);
    const [a, b] = [decodeJwt(first.access_token), decodeJwt(next.json.access_token)];
    expect(b.customerId).toBe(a.customerId);
    expect(b.jti).not.toBe(a.jti);

    const reuse = await refresh(first.refresh_token);
    expect(reuse.status).toBe(401);
    expect(reuse.json).toMatchObject({ error: 'invalid_grant' });
    expect((await refresh(next.json.refresh_token)).status).toBe(200);
  });

  it('grace: reuse within the window replays the same pair, after it is rejected', async () => {
    emu.setOptions({ rotation: 'grace', rotationGraceMs: 5_000 });
    const first = await register();
    const a = await refresh(first.refresh_token);
    const b = await refresh(first.refresh_token);
    expect(b.status).toBe(200);
    expect(b.json).toEqual(a.json);
    clock += 6_000;
    expect((await refresh(first.refresh_token)).status).toBe(401);
  });

  it('off: the same refresh token comes back and keeps working', async () => {
    emu.setOptions({ rotation: 'off' });
    const first = await register();
    const a = await refresh(first.refresh_token);
    const b = await refresh(first.refresh_token);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.json.refresh_token).toBe(first.refresh_token);
    expect(b.json.access_token).not.toBe(a.json.access_token);
  });

  it('rejects unknown and expired refresh tokens, and malformed requests', async () => {
    expect((await refresh('no-such-token')).status).toBe(401);
    const pair = await register();
    clock += 31 * 24 * 3600 * 1000;
    expect((await refresh(pair.refresh_token)).status).toBe(401);
    expect((await call('POST', '/v1/oauth/token', { body: { grant_type: 'refresh_token' } })).status).toBe(400);
    const unsupported = await call('POST', '/v1/oauth/token', { body: { grant_type: 'password' } });
    expect(unsupported.status).toBe(400);
    expect(unsupported.json.error).toBe('unsupported_grant_type');
  });
});

describe('validate, revoke, logout', () => {
  it('validates live tokens only: missing, tampered and expired ones are 401', async () => {
    const pair = await register();
    const ok = await validate(pair.access_token);
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({});
    expect((await call('GET', '/v1/oauth/token/validate', { auth: 'none' })).status).toBe(401);
    const [h, p, s] = pair.access_token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(pair.access_token), customerId: 1 })).toString('base64url');
    expect((await validate(`${h}.${forged}.${s}`)).status).toBe(401);
    expect(p).not.toBe(forged);
    clock += 301_000;
    expect((await validate(pair.access_token)).status).toBe(401);
  });

  it('revoking any jti of a family kills the whole family, including tokens refreshed later', async () => {
    const address = email('revoke');
    const device1 = await register(address);
    const device2 = (await login(address, 'correct horse')).json;
    const device2b = (await refresh(device2.refresh_token)).json;
    const oldJti = decodeJwt(device2.access_token).jti!;

    const res = await call('DELETE', `/v1/oauth/tokens/${oldJti}`, { auth: { bearer: device1.access_token }, headers: shopHeader });
    expect(res.status).toBe(204);
    expect((await validate(device2b.access_token)).status).toBe(401);
    expect((await refresh(device2b.refresh_token)).status).toBe(401);
    expect((await validate(device1.access_token)).status).toBe(200);
    await expect(emu.state.isAccessTokenValid(device1.access_token)).resolves.toBe(true);
    await expect(emu.state.isAccessTokenValid(device2b.access_token)).resolves.toBe(false);
  });

  it("revoke: unknown jti or another customer's is 404; X-Shop-Id is required", async () => {
    const mine = await register();
    const theirs = await register();
    const bearer = { bearer: mine.access_token };
    expect((await call('DELETE', `/v1/oauth/tokens/${randomUUID()}`, { auth: bearer, headers: shopHeader })).status).toBe(404);
    const foreign = decodeJwt(theirs.access_token).jti!;
    expect((await call('DELETE', `/v1/oauth/tokens/${foreign}`, { auth: bearer, headers: shopHeader })).status).toBe(404);
    expect((await validate(theirs.access_token)).status).toBe(200);
    const ownJti = decodeJwt(mine.access_token).jti!;
    expect((await call('DELETE', `/v1/oauth/tokens/${ownJti}`, { auth: bearer })).status).toBe(400);
    expect((await call('DELETE', `/v1/oauth/tokens/${ownJti}`, { auth: 'none', headers: shopHeader })).status).toBe(401);
  });

  it('logout revokes the calling access token and its refresh token', async () => {
    const pair = await register();
    expect((await call('POST', '/v1/auth/logout', { auth: { bearer: pair.access_token } })).status).toBe(400);
    const res = await call('POST', '/v1/auth/logout', { auth: { bearer: pair.access_token }, headers: shopHeader });
    expect(res.status).toBe(204);
    expect((await validate(pair.access_token)).status).toBe(401);
    expect((await refresh(pair.refresh_token)).status).toBe(401);
    expect(emu.state.refreshTokensOf(decodeJwt(pair.access_token).customerId as number)).toEqual([]);
  });

  it('tokens carry the kid of the current key', async () => {
    const pair = await register();
    const jwks = (await call('GET', '/.well-known/jwks.json', { auth: 'none' })).json;
    expect(jwks.keys.map((k) => k.kid)).toContain(decodeProtectedHeader(pair.access_token).kid);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});
