// The SCAYLE emulator's test controls over real HTTP: fault injection (status, garbage body, delay, reset),
// call counters, signing-key rotation, runtime switches and the /__emulator routes.
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type OutboxEntry } from '../../src/emulator/index.js';
import { createEmulatorCaller, email, useEmulator } from '../helpers/emulator-http.js';

const CLIENT = { clientId: 'ops-client', clientSecret: 'ops-secret' };
const SHOP_ID = 3;
let emu: Emulator;

const { call, register: sendRegistration, login } = createEmulatorCaller(() => emu, CLIENT, SHOP_ID);

const register = () =>
  sendRegistration({ first_name: 'O', last_name: 'Ps', email: email('ops'), password: 'password123', gender: 'm', shop_id: SHOP_ID });
const jwks = async () => (await call('GET', '/.well-known/jwks.json')).json as unknown as JSONWebKeySet;

useEmulator({ ...CLIENT, shopId: SHOP_ID, shopSecret: 'ops-shop-secret' }, (started) => {
  emu = started;
});
afterEach(() => {
  emu.faults.clear();
  emu.setOptions({ registerStatus: undefined });
});

describe('fault injection', () => {
  it('answers an injected status the given number of times, then handles normally', async () => {
    emu.faults.add({ endpoint: 'register', status: 503, times: 2 });
    const before = emu.state.calls('register');
    expect((await register()).status).toBe(503);
    const second = await register();
    expect(second.status).toBe(503);
    expect(second.json).toMatchObject({ error: 'injected_fault' });
    expect((await register()).status).toBe(201);
    expect(emu.state.calls('register') - before).toBe(3);
  });

  it('sends a raw, malformed body as JSON', async () => {
    emu.faults.add({ endpoint: 'jwks', body: '{"keys": [', times: 1 });
    const res = await call('GET', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"keys": [');
    expect(() => JSON.parse(res.text) as unknown).toThrow();
  });

  it('delays, then answers normally when the fault is only a delay', async () => {
    emu.faults.add({ endpoint: 'jwks', delayMs: 250, times: 1 });
    const started = performance.now();
    const res = await call('GET', '/.well-known/jwks.json');
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    expect(res.status).toBe(200);
    expect(res.json.keys).toHaveLength(1);
  });

  it('resets the connection without an answer', async () => {
    emu.faults.add({ endpoint: 'register', reset: true, times: 1 });
    await expect(register()).rejects.toMatchObject({ code: expect.stringMatching(/^(UND_ERR_SOCKET|ECONNRESET)$/) });
    expect((await register()).status).toBe(201);
  });

  it('matches every endpoint without a name, but never the /__emulator routes', async () => {
    emu.faults.add({ status: 500 });
    expect((await call('GET', '/.well-known/jwks.json')).status).toBe(500);
    expect((await register()).status).toBe(500);
    expect((await call('GET', '/__emulator/stats')).status).toBe(200);
    expect((await call('DELETE', '/__emulator/faults')).status).toBe(204);
    expect((await call('GET', '/.well-known/jwks.json')).status).toBe(200);
  });

  it('can be driven over HTTP', async () => {
    const added = await call('POST', '/__emulator/faults', { body: { endpoint: 'login', status: 502, times: 1 } });
    expect(added.status).toBe(201);
    expect((await login('x@example.test', 'whatever1')).status).toBe(502);
    expect((await call('POST', '/__emulator/faults', { body: { status: 'bad' } })).status).toBe(400);
    expect((await call('POST', '/__emulator/faults', { body: { endpoint: 'logni', status: 500 } })).status).toBe(400);
  });

  it('refuses unknown endpoint names instead of silently injecting nothing', () => {
    expect(() => emu.faults.add({ endpoint: 'logni', status: 500 })).toThrow(/Unknown emulator endpoint/);
    expect(() => emu.faults.add({ endpoint: 'token.refresh', status: 500 })).not.toThrow();
  });
});

describe('signing-key rotation', () => {
  it('publishes old and new keys; new tokens use the new kid, old ones still verify', async () => {
    const oldToken = (await register()).json.access_token;
    const oldKid = decodeProtectedHeader(oldToken).kid;
    await emu.rotateSigningKey();
    const keys = await jwks();
    const kids = keys.keys.map((k) => k.kid);
    expect(kids).toHaveLength(new Set(kids).size);
    expect(kids).toContain(oldKid);
    expect(kids.length).toBeGreaterThanOrEqual(2);

    const newToken = (await register()).json.access_token;
    const newKid = decodeProtectedHeader(newToken).kid;
    expect(newKid).not.toBe(oldKid);
    expect(kids).toContain(newKid);
    const remote = createRemoteJWKSet(new URL(`${emu.url}/.well-known/jwks.json`));
    await expect(jwtVerify(oldToken, remote)).resolves.toBeTruthy();
    await expect(jwtVerify(newToken, remote)).resolves.toBeTruthy();
    // Without the new key the new token must not verify: the signature really changed.
    const onlyOld = createLocalJWKSet({ keys: keys.keys.filter((k) => k.kid === oldKid) });
    await expect(jwtVerify(newToken, onlyOld)).rejects.toThrow();
  });

  it('rotates over HTTP too', async () => {
    const before = (await jwks()).keys.length;
    const res = await call('POST', '/__emulator/rotate-key');
    expect(res.status).toBe(200);
    const after = await jwks();
    expect(after.keys).toHaveLength(before + 1);
    expect(after.keys.at(-1)?.kid).toBe(res.json.kid);
  });
});

describe('runtime switches and inspection', () => {
  it('applies setOptions and PATCH /__emulator/options at once; null resets to the default', async () => {
    emu.setOptions({ registerStatus: 200 });
    expect((await register()).status).toBe(200);
    expect((await call('PATCH', '/__emulator/options', { body: { registerStatus: 201 } })).status).toBe(204);
    expect((await register()).status).toBe(201);
    expect((await call('PATCH', '/__emulator/options', { body: { accessTokenTtlSeconds: 60 } })).status).toBe(204);
    expect((await register()).json.expires_in).toBe(60);
    expect((await call('PATCH', '/__emulator/options', { body: { accessTokenTtlSeconds: null } })).status).toBe(400);
    expect((await call('PATCH', '/__emulator/options', { body: { now: 5 } })).status).toBe(400);
    expect((await call('PATCH', '/__emulator/options', { body: { clientKey: 'k' } })).status).toBe(204);
    expect((await call('PATCH', '/__emulator/options', { body: { clientKey: null } })).status).toBe(204);
    emu.setOptions({ accessTokenTtlSeconds: undefined });
    expect((await register()).json.expires_in).toBe(300);
  });

  it('remembers the headers the caller forwarded, e.g. request ids', async () => {
    const headers = { 'x-request-id': 'corr-7', 'x-original-client-ip': '203.0.113.9' };
    await (await request(`${emu.url}/v1/oauth/token/validate`, { headers })).body.dump();
    expect(emu.state.lastRequestIds('validate').at(-1)).toBe('corr-7');
    expect(emu.state.lastHeaders('validate').at(-1)?.['x-original-client-ip']).toBe('203.0.113.9');
  });

  it('reports calls per endpoint and the outbox over HTTP', async () => {
    const before = (await call('GET', '/__emulator/stats')).json.calls.register ?? NaN;
    await register();
    const stats = (await call('GET', '/__emulator/stats')).json;
    expect(stats.calls.register).toBe(before + 1);
    expect(stats.calls.register).toBe(emu.state.calls('register'));
    expect(Object.keys(stats.calls)).toContain('magic-link.login');

    await call('POST', '/v1/auth/by-link/link/', { body: { email: 'outbox@example.test' } });
    const outbox = (await call('GET', '/__emulator/outbox')).json as unknown as OutboxEntry[];
    expect(outbox.at(-1)).toMatchObject({ kind: 'magic-link', email: 'outbox@example.test' });
  });

  it('closes promptly even with a long delay pending, and close is idempotent', async () => {
    const other = await startEmulator({ ...CLIENT, shopId: SHOP_ID, shopSecret: 's' });
    other.faults.add({ delayMs: 60_000 });
    const pending = request(`${other.url}/.well-known/jwks.json`).then(
      (res) => res.body.text(),
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    // No stopwatch: a close that waited for the 60 s delay would run into the test's own timeout and fail.
    await Promise.all([other.close(), other.close()]);
    const outcome = await pending;
    // The delayed answer never came: close ended the connection instead of waiting the delay out.
    expect(outcome).toMatchObject({ code: 'UND_ERR_SOCKET' });
  });
});
