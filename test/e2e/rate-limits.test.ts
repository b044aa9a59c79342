// Rate limits on the credential routes, over HTTP with the limiter's counters in real Redis: a budget
// per normalised e-mail, one per client IP (per route group), both shared by every instance on the same
// Redis, and client IPs taken from x-forwarded-for only when TRUST_PROXY says so.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail, type Reply } from '../helpers/http.js';
import { cleanupPrefix, createTestRedis, uniquePrefix } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

const sharedPrefix = uniquePrefix('rate-limits');
let one: Stack; // two instances of one deployment: shared SCAYLE, Redis prefix and keys
let two: Stack;
let perIp: Stack; // small IP budget, no proxy trusted
let proxied: Stack; // small IP budget behind a trusted proxy

beforeAll(async () => {
  const env = { RATE_LIMIT_EMAIL_PER_MINUTE: '3', SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url') };
  one = await startStack({ prefix: sharedPrefix, env });
  two = await startStack({ prefix: sharedPrefix, env, sharedEmulator: one.emulator });
  perIp = await startStack({ sharedEmulator: one.emulator, env: { RATE_LIMIT_IP_PER_MINUTE: '3' } });
  proxied = await startStack({ sharedEmulator: one.emulator, env: { RATE_LIMIT_IP_PER_MINUTE: '2', TRUST_PROXY: 'true' } });
});

afterAll(async () => {
  await proxied?.close();
  await perIp?.close();
  await two?.close();
  await one?.close(); // owns the emulator
  const redis = createTestRedis();
  await cleanupPrefix(redis, sharedPrefix);
  redis.disconnect();
});

const guest = (email = uniqueEmail('rl')) => ({ gender: 'n', first_name: 'Rate', last_name: 'Limit', email });
const registration = (email = uniqueEmail('rl')) => ({ ...guest(email), password: 'long enough password' });

/** A status check whose failure message shows the problem body (which 5xx, if one). */
function expectStatus(res: Reply, status: number): void {
  expect(res.status, res.text).toBe(status);
}

function expectRateLimited(res: Reply): void {
  expect(res.status, res.text).toBe(429);
  expect(res.body.code).toBe('RATE_LIMITED');
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

function expectNotLimited(res: Reply): void {
  expect(res.status, res.text).not.toBe(429);
  expect(res.status, res.text).toBeLessThan(500);
}

describe('per e-mail on login', () => {
  it('counts differently written forms of one address as one budget, and no other address', async () => {
    const email = uniqueEmail('budget');
    const [local, domain] = email.split('@') as [string, string];
    const spellings = [
      `${local[0]!.toUpperCase()}${local.slice(1)}@${domain.toUpperCase()}`,
      `${email} `,
      `  ${email.toUpperCase()}`,
      email,
    ];
    const browser = new Browser(one.url);
    const before = one.emulator.state.calls('login');

    const answers: Reply[] = [];
    for (const spelling of spellings) answers.push(await browser.post('/auth/login', { email: spelling, password: 'wrong password' }));

    expect(answers.slice(0, 3).map((r) => r.body.code)).toEqual(Array(3).fill('INVALID_CREDENTIALS'));
    expectRateLimited(answers[3]!);
    // The fourth attempt never reached SCAYLE.
    expect(one.emulator.state.calls('login')).toBe(before + 3);

    const other = await browser.post('/auth/login', { email: uniqueEmail('other'), password: 'wrong password' });
    expect(other.status).toBe(401);
    expect(other.body.code).toBe('INVALID_CREDENTIALS');
  });

  it('holds across two instances sharing Redis', async () => {
    const email = uniqueEmail('shared');
    const onOne = new Browser(one.url);
    const onTwo = new Browser(two.url);
    const attempt = (browser: Browser) => browser.post('/auth/login', { email, password: 'wrong password' });

    expectNotLimited(await attempt(onOne));
    expectNotLimited(await attempt(onTwo));
    expectNotLimited(await attempt(onOne));
    expectRateLimited(await attempt(onTwo));
    expectRateLimited(await attempt(onOne));
  });

  it('lets a correct password through within the budget and counts it', async () => {
    const email = uniqueEmail('ok');
    const browser = new Browser(one.url);
    expectStatus(await browser.post('/auth/register', registration(email)), 201);
    // Registration has its own budget: three logins still fit, the fourth does not.
    for (let i = 0; i < 3; i += 1) expectStatus(await browser.post('/auth/login', { email, password: 'long enough password' }), 200);
    expectRateLimited(await browser.post('/auth/login', { email, password: 'long enough password' }));
  });
});

describe('per client IP', () => {
  it('limits guest logins from one address whatever the e-mail, and ignores x-forwarded-for', async () => {
    const browser = new Browser(perIp.url);
    for (let i = 0; i < 3; i += 1) expectStatus(await browser.post('/auth/login/guest', guest()), 200);
    expectRateLimited(await browser.post('/auth/login/guest', guest()));
    // No proxy is trusted here: a forged header does not buy a new budget.
    expectRateLimited(await browser.post('/auth/login/guest', guest(), { headers: { 'x-forwarded-for': '198.51.100.77' } }));
  });

  it('limits registrations from one address, with a budget of their own', async () => {
    const browser = new Browser(perIp.url);
    for (let i = 0; i < 3; i += 1) expectStatus(await browser.post('/auth/register', registration()), 201);
    const before = perIp.emulator.state.calls('register');
    expectRateLimited(await browser.post('/auth/register', registration()));
    expect(perIp.emulator.state.calls('register')).toBe(before);
  });

  it('gives each x-forwarded-for client its own budget behind a trusted proxy', async () => {
    const browser = new Browser(proxied.url);
    const from = (ip: string) => browser.post('/auth/login/guest', guest(), { headers: { 'x-forwarded-for': ip } });
    expectStatus(await from('203.0.113.10'), 200);
    expectStatus(await from('203.0.113.10'), 200);
    expectRateLimited(await from('203.0.113.10'));
    expectStatus(await from('203.0.113.11'), 200);
    expectStatus(await from('203.0.113.11'), 200);
    expectRateLimited(await from('203.0.113.11'));
  });
});
