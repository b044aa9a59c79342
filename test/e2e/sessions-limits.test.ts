// Bounded session work (issue 15 point 5): at most SESSIONS_PER_CUSTOMER_MAX live sessions per customer
// (a new login ends the oldest), GET /auth/sessions rate-limited per session, and "end all others" over
// more sessions than one index page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAt, customerOn, endedCount } from '../helpers/account.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: {
      TRUST_PROXY: 'true',
      SESSIONS_PER_CUSTOMER_MAX: '3',
      RATE_LIMIT_SESSION_LIST_PER_MINUTE: '3',
      RATE_LIMIT_EMAIL_PER_MINUTE: '20',
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

describe('SESSIONS_PER_CUSTOMER_MAX', () => {
  it('ends the oldest sessions beyond the limit when a customer logs in again, and revokes them upstream', async () => {
    const before = await endedCount(stack.url, 'limit');
    const customer = await customerOn([stack.url, stack.url, stack.url], 'limit');
    const oldestToken = (await customer.devices[0]!.post('/auth/token')).body.access_token as string;
    const fourth = (await customerOn([stack.url], 'limit-unused')).devices[0]!; // another customer: not counted
    const newest = browserAt(stack.url);
    expect((await newest.post('/auth/login', { email: customer.email, password: 'correct horse battery' })).status).toBe(200);

    expect((await customer.devices[0]!.get('/auth/session')).status).toBe(401);
    for (const device of [...customer.devices.slice(1), newest, fourth]) expect((await device.get('/auth/session')).status).toBe(200);
    expect((await newest.get('/auth/sessions')).body).toHaveLength(3);
    expect(await endedCount(stack.url, 'limit')).toBe(before + 1);
    expect(await stack.emulator.state.isAccessTokenValid(oldestToken)).toBe(false);
  });
});

describe('GET /auth/sessions', () => {
  it('is rate-limited per session, with retry-after', async () => {
    const customer = await customerOn([stack.url, stack.url], 'list-limit');
    const [device, other] = customer.devices;
    for (let i = 0; i < 3; i += 1) expect((await device!.get('/auth/sessions')).status).toBe(200);
    const limited = await device!.get('/auth/sessions', { headers: { 'x-forwarded-for': '203.0.113.50' } });
    expect([limited.status, limited.body.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another session of the same customer has its own budget.
    expect((await other!.get('/auth/sessions')).status).toBe(200);
  });
});
