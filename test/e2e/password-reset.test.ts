// The forgotten-password flow end to end (issue 15 points 1 and 2): the reset e-mail through SCAYLE,
// the dev-mode debug link from the emulator's outbox, and update-by-hash ending the customer's sessions
// on every instance: two services on one Redis prove that a reset on one logs out devices on the other.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAt, customerOn, endedCount, PASSWORD, redisDump } from '../helpers/account.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

// One encryption key for both instances, as in a real deployment.
const ENV = {
  TRUST_PROXY: 'true',
  RATE_LIMIT_EMAIL_PER_MINUTE: '5',
  RATE_LIMIT_IP_PER_MINUTE: '8',
  SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
};
let clockOffsetMs = 0;
let one: Stack;
let two: Stack;
beforeAll(async () => {
  one = await startStack({ env: ENV, emulator: { now: () => Date.now() + clockOffsetMs } });
  // A second instance of the service: same Redis prefix, same SCAYLE.
  two = await startStack({ env: ENV, sharedEmulator: one.emulator, prefix: one.prefix });
});
afterAll(async () => {
  await two?.close();
  await one?.close();
});

const NEW_PASSWORD = 'a brand new passphrase';

/** Requests a reset e-mail for `email` and returns the hash from the dev-mode link. */
async function resetHash(email: string, url = one.url): Promise<string> {
  const sent = await browserAt(url).post('/auth/password/reset-email', { email });
  expect(sent.status, sent.text).toBe(202);
  return new URL(sent.body._debug_reset_url).searchParams.get('reset_hash')!;
}

describe('POST /auth/password/reset-email', () => {
  it('sends the e-mail with the reset URL and shop; in dev mode the body has the link from the outbox', async () => {
    const { email } = await customerOn([one.url]);
    const sent = await browserAt(one.url).post('/auth/password/reset-email', { email: `  ${email.toUpperCase()} ` });
    expect(sent.status).toBe(202);
    expect(sent.headers['cache-control']).toBe('no-store');
    const mail = one.emulator.state.outbox.at(-1)!;
    expect(mail).toMatchObject({ kind: 'password-reset', email });
    expect(sent.body).toEqual({ _debug_reset_url: mail.link });
    // Dev mode's default reset page is the demo page of this service, with SCAYLE's hash in place.
    expect(mail.link).toBe(`${one.url}/demo/?reset_hash=${mail.token}`);
  });

  it('answers 202 with an empty body for an unknown address, also when SCAYLE says 404', async () => {
    const unknown = await browserAt(one.url).post('/auth/password/reset-email', { email: uniqueEmail('nobody') });
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual({});
    one.emulator.setOptions({ resetUnknownEmailStatus: 404 });
    try {
      const notFound = await browserAt(one.url).post('/auth/password/reset-email', { email: uniqueEmail('nobody') });
      expect(notFound.status).toBe(202);
      expect(notFound.body).toEqual({});
    } finally {
      one.emulator.setOptions({ resetUnknownEmailStatus: undefined });
    }
  });

  it('maps SCAYLE failures to 502/503/504', async () => {
    for (const [status, code] of [
      [500, 'UPSTREAM_BAD_RESPONSE'],
      [503, 'UPSTREAM_UNAVAILABLE'],
    ] as const) {
      one.emulator.faults.add({ endpoint: 'reset-email', status, times: 1 });
      const res = await browserAt(one.url).post('/auth/password/reset-email', { email: uniqueEmail() });
      expect([res.status, res.body.code]).toEqual([status === 500 ? 502 : 503, code]);
    }
  });

  it('is rate-limited per normalised e-mail and per IP, with retry-after', async () => {
    const email = uniqueEmail('limited');
    for (let i = 0; i < 5; i += 1) expect((await browserAt(one.url).post('/auth/password/reset-email', { email })).status).toBe(202);
    const perEmail = await browserAt(one.url).post('/auth/password/reset-email', { email: email.toUpperCase() });
    expect([perEmail.status, perEmail.body.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(perEmail.headers['retry-after'])).toBeGreaterThan(0);

    const sameIp = browserAt(one.url);
    for (let i = 0; i < 8; i += 1) expect((await sameIp.post('/auth/password/reset-email', { email: uniqueEmail() })).status).toBe(202);
    const perIp = await sameIp.post('/auth/password/reset-email', { email: uniqueEmail() });
    expect([perIp.status, perIp.body.code]).toEqual([429, 'RATE_LIMITED']);
    expect(perIp.headers['retry-after']).toBeDefined();
  });

  it('validates strictly, naming fields and never echoing values', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ email: 'not-an-email' }, ['email']],
      [{ email: `${'x'.repeat(250)}@example.test` }, ['email']],
      [{ email: uniqueEmail(), extra: 'field-value-123' }, ['extra']],
      [{}, ['email']],
    ];
    for (const [body, paths] of cases) {
      const res = await browserAt(one.url).post('/auth/password/reset-email', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(paths);
      expect(res.text).not.toContain('not-an-email');
      expect(res.text).not.toContain('field-value-123');
    }
  });
});

describe('POST /auth/password/update', () => {
  it('sets the password, ends every session of the customer on both instances, and revokes the new pair', async () => {
    // Devices on both instances; the reset happens on instance two.
    const customer = await customerOn([one.url, one.url, two.url], 'reset');
    const stranger = await customerOn([two.url], 'stranger');
    for (const device of customer.devices) expect((await device.get('/auth/session')).status).toBe(200);
    const hash = await resetHash(customer.email);
    const before = await endedCount(two.url, 'password');

    const res = await browserAt(two.url).post('/auth/password/update', { hash, password: NEW_PASSWORD });
    expect(res.status, res.text).toBe(204);

    // The next request on either instance is a 401.
    for (const device of customer.devices) expect((await device.get('/auth/session')).status).toBe(401);
    expect((await stranger.devices[0]!.get('/auth/session')).status).toBe(200);
    expect(await endedCount(two.url, 'password')).toBe(before + 3);
    // Nothing update-by-hash returned is still usable upstream: the customer logs in anew.
    expect(one.emulator.state.refreshTokensOf(customer.id)).toEqual([]);
    expect((await browserAt(one.url).post('/auth/login', { email: customer.email, password: PASSWORD })).status).toBe(401);
    const login = await browserAt(one.url).post('/auth/login', { email: customer.email, password: NEW_PASSWORD });
    expect(login.status).toBe(200);

    // The hash was single-use.
    const again = await browserAt(two.url).post('/auth/password/update', { hash, password: NEW_PASSWORD });
    expect([again.status, again.body.code]).toEqual([400, 'RESET_HASH_INVALID']);
  });

  it('answers 400 RESET_HASH_INVALID for unknown and expired hashes', async () => {
    const unknown = await browserAt(one.url).post('/auth/password/update', { hash: 'no-such-hash', password: NEW_PASSWORD });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'RESET_HASH_INVALID']);

    const customer = await customerOn([one.url], 'expired');
    const hash = await resetHash(customer.email);
    clockOffsetMs = 3_600_001; // past the emulator's reset-hash lifetime
    try {
      const expired = await browserAt(one.url).post('/auth/password/update', { hash, password: NEW_PASSWORD });
      expect([expired.status, expired.body.code]).toEqual([400, 'RESET_HASH_INVALID']);
    } finally {
      clockOffsetMs = 0;
    }
    expect((await customer.devices[0]!.get('/auth/session')).status).toBe(200);
  });

  it('names the password when SCAYLE refuses it, and keeps the hash usable', async () => {
    const customer = await customerOn([one.url], 'policy');
    const hash = await resetHash(customer.email);
    one.emulator.setOptions({ passwordMinLength: 30 });
    try {
      const refused = await browserAt(one.url).post('/auth/password/update', { hash, password: NEW_PASSWORD });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'password' }] });
      expect(refused.text).not.toContain(NEW_PASSWORD);
    } finally {
      one.emulator.setOptions({ passwordMinLength: undefined });
    }
    expect((await customer.devices[0]!.get('/auth/session')).status).toBe(200);
    expect((await browserAt(one.url).post('/auth/password/update', { hash, password: NEW_PASSWORD })).status).toBe(204);
  });

  it('validates strictly, and never lets the hash or password reach a log line, an error body or Redis', async () => {
    const customer = await customerOn([one.url], 'secret');
    const hash = await resetHash(customer.email);
    const cases: Array<[unknown, string[]]> = [
      [{ hash, password: 'short' }, ['password']],
      [{ hash: 'h'.repeat(600), password: NEW_PASSWORD }, ['hash']],
      [{ hash, password: NEW_PASSWORD, email: customer.email }, ['email']],
      [{ password: NEW_PASSWORD }, ['hash']],
    ];
    for (const [body, paths] of cases) {
      const res = await browserAt(one.url).post('/auth/password/update', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(paths);
      expect(res.text).not.toContain(hash);
      expect(res.text).not.toContain('short');
    }
    expect((await browserAt(one.url).post('/auth/password/update', { hash, password: NEW_PASSWORD })).status).toBe(204);
    const logs = [...one.logs, ...two.logs].join('\n');
    const stored = await redisDump(one.prefix);
    for (const secret of [hash, NEW_PASSWORD, PASSWORD]) {
      expect(logs).not.toContain(secret);
      expect(stored).not.toContain(secret);
    }
  });

  it('outside dev mode: no debug link, and no reset e-mail without PASSWORD_RESET_URL', async () => {
    const live = await startStack({ sharedEmulator: one.emulator, env: { SCAYLE_AUTH_BASE_URL: one.emulator.url } });
    const configured = await startStack({
      sharedEmulator: one.emulator,
      env: { SCAYLE_AUTH_BASE_URL: one.emulator.url, PASSWORD_RESET_URL: 'https://shop.example/reset?h={hash}' },
    });
    try {
      expect(live.config.devMode).toBe(false);
      const { email } = await customerOn([live.url], 'live');
      const unconfigured = await new Browser(live.url).post('/auth/password/reset-email', { email });
      expect([unconfigured.status, unconfigured.body.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
      const sent = await new Browser(configured.url).post('/auth/password/reset-email', { email });
      expect(sent.status).toBe(202);
      expect(sent.body).toEqual({});
      expect(one.emulator.state.outbox.at(-1)!.link).toMatch(/^https:\/\/shop\.example\/reset\?h=/);
    } finally {
      await configured.close();
      await live.close();
    }
  });
});
