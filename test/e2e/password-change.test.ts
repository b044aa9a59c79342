// Changing the password while logged in (issue 15 point 3): the customer's other sessions end, the
// current one stays usable (with SCAYLE's new pair when it sends one), and the failures of the contract.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAt, customerOn, endedCount, PASSWORD } from '../helpers/account.js';
import { uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { TRUST_PROXY: 'true', RATE_LIMIT_EMAIL_PER_MINUTE: '4' } });
});
afterAll(async () => {
  await stack?.close();
});

const NEW_PASSWORD = 'another long passphrase';
const change = (current_password: string, new_password = NEW_PASSWORD) => ({ current_password, new_password });

describe('POST /auth/password/change', () => {
  it('changes the password, ends the other sessions and keeps the current one usable', async () => {
    const customer = await customerOn([stack.url, stack.url, stack.url], 'change');
    const [current, ...others] = customer.devices;
    const before = await endedCount(stack.url, 'password');

    const res = await current!.post('/auth/password/change', change(PASSWORD));
    expect(res.status, res.text).toBe(204);
    for (const other of others) expect((await other.get('/auth/session')).status).toBe(401);
    expect(await endedCount(stack.url, 'password')).toBe(before + 2);

    const token = await current!.post('/auth/token');
    expect(token.status).toBe(200);
    expect(await stack.emulator.state.isAccessTokenValid(token.body.access_token)).toBe(true);
    expect((await browserAt(stack.url).post('/auth/login', { email: customer.email, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('carries the new pair when SCAYLE revokes the current family and answers with one', async () => {
    const customer = await customerOn([stack.url], 'change-tokens');
    const current = customer.devices[0]!;
    const old = (await current.post('/auth/token')).body.access_token as string;
    stack.emulator.setOptions({ passwordChangeReturnsTokens: true });
    try {
      expect((await current.post('/auth/password/change', change(PASSWORD))).status).toBe(204);
    } finally {
      stack.emulator.setOptions({ passwordChangeReturnsTokens: undefined });
    }
    const token = await current.post('/auth/token');
    expect(token.status).toBe(200);
    expect(token.body.access_token).not.toBe(old);
    expect(await stack.emulator.state.isAccessTokenValid(old)).toBe(false);
    expect(await stack.emulator.state.isAccessTokenValid(token.body.access_token)).toBe(true);
  });

  it('refreshes an access token that is about to expire before calling SCAYLE', async () => {
    stack.emulator.setOptions({ accessTokenTtlSeconds: 20 });
    let customer;
    try {
      customer = await customerOn([stack.url], 'change-refresh');
    } finally {
      stack.emulator.setOptions({ accessTokenTtlSeconds: undefined });
    }
    const refreshes = stack.emulator.state.calls('token.refresh');
    expect((await customer.devices[0]!.post('/auth/password/change', change(PASSWORD))).status).toBe(204);
    expect(stack.emulator.state.calls('token.refresh')).toBe(refreshes + 1);
  });

  it('answers 401 INVALID_CREDENTIALS for a wrong current password, and the session stays', async () => {
    const customer = await customerOn([stack.url, stack.url], 'change-wrong');
    const res = await customer.devices[0]!.post('/auth/password/change', change('not the password'));
    expect([res.status, res.body.code]).toEqual([401, 'INVALID_CREDENTIALS']);
    for (const device of customer.devices) expect((await device.get('/auth/session')).status).toBe(200);
  });

  it('names new_password when SCAYLE refuses it', async () => {
    const customer = await customerOn([stack.url], 'change-policy');
    stack.emulator.setOptions({ passwordMinLength: 40 });
    try {
      const res = await customer.devices[0]!.post('/auth/password/change', change(PASSWORD));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'new_password' }] });
      expect(res.text).not.toContain(NEW_PASSWORD);
    } finally {
      stack.emulator.setOptions({ passwordMinLength: undefined });
    }
  });

  it('is rate-limited per account, whatever the address', async () => {
    const customer = await customerOn([stack.url], 'change-limit');
    const device = customer.devices[0]!;
    for (let i = 0; i < 4; i += 1) {
      const wrong = await device.post('/auth/password/change', change('wrong password'), {
        headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
      });
      expect(wrong.status).toBe(401);
    }
    const limited = await device.post('/auth/password/change', change(PASSWORD), { headers: { 'x-forwarded-for': '203.0.113.99' } });
    expect([limited.status, limited.body.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await device.get('/auth/session')).status).toBe(200);
  });

  it('answers 403 FORBIDDEN for a guest and 401 SESSION_MISSING without a session', async () => {
    const guest = browserAt(stack.url);
    const login = await guest.post('/auth/login/guest', { gender: 'n', first_name: 'G', last_name: 'Uest', email: uniqueEmail('guest') });
    expect(login.status).toBe(200);
    const res = await guest.post('/auth/password/change', change('anything at all'));
    expect([res.status, res.body.code]).toEqual([403, 'FORBIDDEN']);
    expect((await guest.get('/auth/session')).status).toBe(200);

    const anonymous = await browserAt(stack.url).post('/auth/password/change', change(PASSWORD));
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'SESSION_MISSING']);
  });

  it('validates strictly, naming fields and never echoing values', async () => {
    const device = (await customerOn([stack.url], 'change-bad')).devices[0]!;
    const cases: Array<[unknown, string[]]> = [
      [{ current_password: PASSWORD, new_password: 'short' }, ['new_password']],
      [{ current_password: PASSWORD, new_password: 'x'.repeat(300) }, ['new_password']],
      [{ current_password: PASSWORD, new_password: NEW_PASSWORD, password: 'field-value-1' }, ['password']],
      [{ new_password: NEW_PASSWORD }, ['current_password']],
    ];
    for (const [body, paths] of cases) {
      const res = await device.post('/auth/password/change', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(paths);
      for (const value of ['short', 'field-value-1', PASSWORD]) expect(res.text).not.toContain(value);
    }
    const logs = stack.logs.join('\n');
    for (const secret of [PASSWORD, NEW_PASSWORD]) expect(logs).not.toContain(secret);
  });
});
