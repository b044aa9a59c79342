// Encryption at rest, over HTTP with real Redis: while sessions are live (and refreshed, so side records
// exist) no secret or e-mail address is readable in the store; every record is sealed and bound to its
// own session id; and SESSION_ENCRYPTION_KEYS rotates: k1 → "k2,k1" keeps old sessions usable and seals
// what it writes with k2, and an instance that no longer has k1 refuses old records with a 401, not a 500.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionCrypto, sealedKeyId } from '../../src/sessions/session-crypto.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { cleanupPrefix, createTestRedis, dumpPrefix, uniquePrefix } from '../helpers/redis.js';
import { startStack, TEST_SECRETS, type Stack } from '../helpers/stack.js';

const prefix = uniquePrefix('encryption');
const k1 = randomBytes(32).toString('base64url');
const k2 = randomBytes(32).toString('base64url');
/** The key id a sealed value names for a secret (sealed bytes: 2, key id ×6, IV ×12, ciphertext, tag ×16). */
const kidOf = (secret: string) => sealedKeyId(createSessionCrypto([secret]).seal('record', 'x', 'y'))!;
/** Format byte, a 6-byte key id, a 12-byte IV and a 16-byte tag around at least one byte of ciphertext. */
function expectSealed(bytes: Buffer, kid?: string): void {
  expect(bytes.length).toBeGreaterThan(1 + 6 + 12 + 16);
  expect(bytes[0]).toBe(2);
  expect(sealedKeyId(bytes)).toMatch(/^[0-9a-f]{12}$/);
  if (kid !== undefined) expect(sealedKeyId(bytes)).toBe(kid);
}

let old: Stack; // SESSION_ENCRYPTION_KEYS=k1
let rotated: Stack; // k2,k1
let newOnly: Stack; // k2

beforeAll(async () => {
  // 20 s access tokens: every POST /auth/token refreshes, so records are rewritten and side records exist.
  old = await startStack({ prefix, env: { SESSION_ENCRYPTION_KEYS: k1 }, emulator: { accessTokenTtlSeconds: 20 } });
  rotated = await startStack({ prefix, env: { SESSION_ENCRYPTION_KEYS: `${k2},${k1}` }, sharedEmulator: old.emulator });
  newOnly = await startStack({ prefix, env: { SESSION_ENCRYPTION_KEYS: k2 }, sharedEmulator: old.emulator });
});

afterAll(async () => {
  await newOnly?.close();
  await rotated?.close();
  await old?.close(); // owns the emulator
  const redis = createTestRedis();
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

const COOKIE = 'bff_session';
/** The store keys a session by a hash of its cookie value: base64url(sha256(cookie)). */
const sidOf = (cookie: string) => createHash('sha256').update(cookie).digest('base64url');
/** A side record's field value is `<expiresAtMs>:<sealed bytes>`. */
const sealedPart = (field: Buffer) => field.subarray(field.indexOf(':') + 1);
const recordKey = (cookie: string) => `${prefix}{s:${sidOf(cookie)}}:rec`;
const sideKey = (cookie: string) => `${prefix}{s:${sidOf(cookie)}}:side`;

async function withRedis<T>(run: (redis: ReturnType<typeof createTestRedis>) => Promise<T>): Promise<T> {
  const redis = createTestRedis();
  try {
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

/** The sealed session record behind a cookie, as Redis holds it: one string, 8-byte version then sealed bytes. */
const sealedRecord = (cookie: string) =>
  withRedis(async (redis) => {
    expect(await redis.type(recordKey(cookie))).toBe('string');
    return ((await redis.getBuffer(recordKey(cookie))) ?? Buffer.alloc(0)).subarray(8);
  });
const sideRecords = (cookie: string) => withRedis(async (redis) => Object.values(await redis.hgetallBuffer(sideKey(cookie))));

function browserWith(stack: Stack, cookie: string): Browser {
  const browser = new Browser(stack.url);
  browser.cookies.set(COOKIE, cookie);
  return browser;
}

async function guestCookie(stack: Stack): Promise<string> {
  const browser = new Browser(stack.url);
  const res = await browser.post('/auth/login/guest', { gender: 'm', first_name: 'Key', last_name: 'Ring', email: uniqueEmail('enc') });
  expect(res.status).toBe(200);
  return browser.cookies.get(COOKIE)!;
}

describe('at rest', () => {
  it('holds no token, password, cookie value or e-mail address in any key or value while sessions are live', async () => {
    const password = 'at-rest password that must stay out of Redis';
    const email = uniqueEmail('AtRest');
    const browser = new Browser(rotated.url);
    expect((await browser.post('/auth/register', { gender: 'f', first_name: 'At', last_name: 'Rest', email, password })).status).toBe(201);
    const second = new Browser(rotated.url);
    expect((await second.post('/auth/login', { email: email.toUpperCase(), password })).status).toBe(200);
    expect((await second.post('/auth/login', { email, password: `${password}!` })).status).toBe(401);
    // Two refreshes: the record is rewritten and a refresh side record is written.
    expect((await second.post('/auth/token')).status).toBe(200);
    expect((await second.post('/auth/token')).status).toBe(200);
    const cookies = [browser.cookies.get(COOKIE)!, second.cookies.get(COOKIE)!];
    expect((await second.get('/auth/session')).status).toBe(200);

    const state = old.emulator.state;
    const refreshTokens = [...state.refreshTokens.keys()];
    const accessTokens = [...state.accessTokens.values()].map((r) => r.token);
    const secrets = [
      password,
      email,
      email.toLowerCase(),
      TEST_SECRETS.clientSecret,
      k1,
      k2,
      ...cookies,
      ...refreshTokens,
      ...accessTokens,
    ];

    // Values are binary: dump them as raw bytes and search bytes (latin1 maps each byte to one character).
    const { bytes: dump } = await withRedis((redis) => dumpPrefix(redis, prefix));
    const text = dump.toString('latin1');
    expect(text).toContain(':rec'); // the scan saw the live sessions
    expect(text).toContain(':side');
    for (const secret of secrets) expect(dump.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    // Nor a recognisable piece of one: no JWT header (base64url of `{"alg":` / `{"typ":`), no session JSON.
    expect(text).not.toMatch(/eyJhbGciOi|eyJ0eXAiOi/);
    expect(text).not.toMatch(/accessToken|refreshToken|"a":"|"r":"/);

    // Each record and side record is sealed with the current key.
    for (const cookie of cookies) expectSealed(await sealedRecord(cookie), kidOf(k2));
    const sideValues = await sideRecords(cookies[1]!);
    expect(sideValues.length).toBeGreaterThan(0);
    for (const value of sideValues) expectSealed(sealedPart(value), kidOf(k2));
  });

  it("binds a record to its own session: another session's record copied over it is refused with a 401", async () => {
    const victim = await guestCookie(rotated);
    const attacker = await guestCookie(rotated);
    await withRedis(async (redis) => {
      // The whole record (version prefix and sealed bytes), keeping the attacker's record TTL.
      await redis.set(recordKey(attacker), (await redis.getBuffer(recordKey(victim)))!, 'KEEPTTL');
    });
    const res = await browserWith(rotated, attacker).get('/auth/session');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('SESSION_MISSING');
    expect((await browserWith(rotated, victim).get('/auth/session')).status).toBe(200);
  });
});

describe('key rotation', () => {
  it('keeps k1 sessions usable under "k2,k1", re-seals what it writes with k2, and a k2-only instance refuses k1 records', async () => {
    const cookie = await guestCookie(old);
    const untouched = await guestCookie(old);
    expectSealed(await sealedRecord(cookie), kidOf(k1));

    // The rotated instance reads the k1 record...
    const onRotated = browserWith(rotated, cookie);
    const info = await onRotated.get('/auth/session');
    expect(info.status).toBe(200);
    // ...and a write (a refresh) seals it with k2, side record included.
    const refreshed = await onRotated.post('/auth/token');
    expect(refreshed.status).toBe(200);
    expectSealed(await sealedRecord(cookie), kidOf(k2));
    const sides = await sideRecords(cookie);
    expect(sides.length).toBeGreaterThan(0);
    for (const value of sides) expectSealed(sealedPart(value), kidOf(k2));

    // Once k1 is dropped: the re-sealed session still works...
    const onNew = browserWith(newOnly, cookie);
    expect((await onNew.get('/auth/session')).status).toBe(200);
    expect((await onNew.post('/auth/token')).status).toBe(200);
    // ...and one that was never rewritten is refused as missing (401, cookie cleared), not a 500.
    const lost = browserWith(newOnly, untouched);
    const refused = await lost.get('/auth/session');
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('SESSION_MISSING');
    expect(lost.cookies.has(COOKIE)).toBe(false);
    const refusedToken = await browserWith(newOnly, untouched).post('/auth/token');
    expect(refusedToken.status).toBe(401);
    expect(newOnly.logs.join('')).toContain('could not be decrypted');
    // The unreadable record was left alone: an instance that still has k1 serves it.
    expect((await browserWith(rotated, untouched).get('/auth/session')).status).toBe(200);
  });
});
