// The emulator's [INF]/[UNKNOWN] switches over real HTTP: each alternative SCAYLE behaviour really changes
// what the wire shows, so BFF tests pinned to one of them mean something.
import { SignJWT, decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.js';
import { createEmulatorCaller, email as uniqueEmail, location, useEmulator } from '../helpers/emulator-http.js';

const CLIENT = { clientId: 'sw-client', clientSecret: 'sw-secret' };
const SHOP_ID = 5;
const SHOP_SECRET = 'sw-shop-secret';
let clock = Date.now();
let emu: Emulator;

const email = () => uniqueEmail('sw');
const emulator = createEmulatorCaller(() => emu, CLIENT, SHOP_ID);
const { call, guest, refresh, validate } = emulator;

const registration = (address = email(), password = 'password123') => ({
  first_name: 'S',
  last_name: 'W',
  email: address,
  password,
  gender: 'f',
  shop_id: SHOP_ID,
});
const register = async (address = email()) => (await emulator.register(registration(address))).json;
const login = (address: string) => emulator.login(address, 'password123');

const touched: Array<keyof EmulatorOptions> = [];
const set = (patch: Partial<EmulatorOptions>) => {
  touched.push(...(Object.keys(patch) as Array<keyof EmulatorOptions>));
  emu.setOptions(patch);
};

useEmulator({ ...CLIENT, shopId: SHOP_ID, shopSecret: SHOP_SECRET, now: () => clock }, (started) => {
  emu = started;
});
afterEach(() => {
  clock = Date.now();
  emu.setOptions(Object.fromEntries(touched.splice(0).map((key) => [key, undefined])));
});

describe('refresh switches', () => {
  it('invalidGrantStatus: 400 instead of 401 for a dead refresh token', async () => {
    set({ invalidGrantStatus: 400 });
    const res = await refresh('nope');
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_grant');
  });

  it('reuseRevokesFamily: replaying a used refresh token kills its successor too', async () => {
    set({ reuseRevokesFamily: true });
    const first = await register();
    const next = (await refresh(first.refresh_token)).json;
    expect((await refresh(first.refresh_token)).status).toBe(401);
    expect((await refresh(next.refresh_token)).status).toBe(401);
    expect((await validate(next.access_token)).status).toBe(401);
  });

  it('revokeAccessOnRefresh: the previous access token stops validating after a refresh', async () => {
    const keep = await register();
    await refresh(keep.refresh_token);
    expect((await validate(keep.access_token)).status).toBe(200);
    set({ revokeAccessOnRefresh: true });
    const drop = await register();
    await refresh(drop.refresh_token);
    expect((await validate(drop.access_token)).status).toBe(401);
  });

  it('refreshExpiry: sliding extends the refresh lifetime, absolute keeps the first one', async () => {
    set({ refreshTokenTtlSeconds: 100 });
    const sliding = await register();
    clock += 60_000;
    const slid = (await refresh(sliding.refresh_token)).json;
    clock += 60_000;
    expect((await refresh(slid.refresh_token)).status).toBe(200);

    set({ refreshExpiry: 'absolute' });
    clock = Date.now();
    const absolute = await register();
    clock += 60_000;
    const kept = (await refresh(absolute.refresh_token)).json;
    clock += 60_000;
    expect((await refresh(kept.refresh_token)).status).toBe(401);
  });
});

describe('account switches', () => {
  it('unknownEmailStatus and guestConflictsWithRegistered', async () => {
    set({ unknownEmailStatus: 404 });
    expect((await login(email())).status).toBe(404);
    const address = email();
    await register(address);
    const body = { first_name: 'G', last_name: 'G', email: address, gender: 'm', shop_id: SHOP_ID };
    expect((await guest(body)).status).toBe(200);
    set({ guestConflictsWithRegistered: true });
    expect((await guest(body)).status).toBe(409);
  });

  it('passwordMinLength and resetUnknownEmailStatus', async () => {
    set({ passwordMinLength: 12 });
    const res = await emulator.register(registration(email(), 'elevenchars'));
    expect(res.status).toBe(422);
    set({ resetUnknownEmailStatus: 404 });
    const reset = await call('POST', '/v1/auth/password/send-reset-email', {
      body: { email: email(), reset_url: 'https://shop.test/r/{hash}', shop_id: SHOP_ID },
    });
    expect(reset.status).toBe(404);
  });

  it('passwordChangeRevokesOthers=false keeps other sessions; emptySuccessStatus=200 answers {}', async () => {
    set({ passwordChangeRevokesOthers: false, emptySuccessStatus: 200 });
    const address = email();
    const here = await register(address);
    const there = (await login(address)).json;
    const res = await call('PUT', '/v1/auth/password', {
      auth: { bearer: here.access_token },
      body: { password: 'password123', new_password: 'password456' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    expect((await validate(there.access_token)).status).toBe(200);
  });
});

describe('SSO and seed 004 switches', () => {
  it('externalRedirectError makes the fake IDP fail back to callbackUrl?error=', async () => {
    set({ externalRedirectError: 'access_denied' });
    const jwt = await new SignJWT({ idpKey: 'apple', callbackUrl: 'https://shop.test/cb?x=1', clientId: CLIENT.clientId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SHOP_SECRET));
    const res = await call('GET', `/v1/auth/external/redirect?shopId=${SHOP_ID}&jwt=${jwt}`);
    expect(res.status).toBe(302);
    const target = location(res);
    expect(target.searchParams.get('error')).toBe('access_denied');
    expect(target.searchParams.get('x')).toBe('1');
    expect(target.searchParams.has('code')).toBe(false);
  });

  it('magicLinkUrl is where the mailed link points', async () => {
    set({ magicLinkUrl: 'myapp://login/{token}' });
    const res = await call('POST', '/v1/auth/by-link/link/', { body: { email: email() } });
    expect(res.status).toBe(200);
    expect(emu.state.outbox.at(-1)?.link).toBe(`myapp://login/${emu.state.outbox.at(-1)?.token}`);
  });

  it('accepts seed 004 form data as well as JSON', async () => {
    const res = await call('POST', '/v1/auth/social/login/github', {
      form: new URLSearchParams({ code: 'valid-erin', client_key: 'k', redirect_uri: 'https://shop.test/cb' }).toString(),
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.json.access_token).sub).toBe(String(emu.state.findRegisteredByEmail('erin@github.example.test')?.id));
  });
});
