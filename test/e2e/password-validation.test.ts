// The password validation route (issue 17 §1) over HTTP with real Redis: absent unless configured, Basic
// auth, the IP allow-list (TRUST_PROXY-aware), valid/invalid/unknown answers, the migrated mark, body
// validation and the per-e-mail and per-caller budgets.
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialId } from '../../src/migration/credential-store.js';
import { basic, seedCredentials, validate, VALIDATION_ENV, VALIDATION_PASSWORD, VALIDATION_USER } from '../helpers/credentials.js';
import { startStack, type Stack } from '../helpers/stack.js';

const stacks: Stack[] = [];
async function stackWith(env: Record<string, string> = {}): Promise<Stack> {
  const stack = await startStack({ env: { ...VALIDATION_ENV, ...env } });
  stacks.push(stack);
  return stack;
}
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
});

describe('configured', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackWith();
    await seedCredentials(stack, [{ email: 'ada@example.com', hash: await bcrypt.hash('Difference Engine 1', 4) }]);
  });

  it('answers valid: true for the right password and marks the record migrated', async () => {
    expect((await stack.app.credentialStore.get(credentialId('ada@example.com')))?.migratedAt).toBeUndefined();
    const res = await validate(stack.url, { body: { email: '  Ada@Example.com ', password: 'Difference Engine 1' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true });
    expect((await stack.app.credentialStore.get(credentialId('ada@example.com')))?.migratedAt).toEqual(expect.any(Number));
  });

  it('answers a wrong password and an unknown e-mail alike', async () => {
    const wrong = await validate(stack.url, { body: { email: 'ada@example.com', password: 'nope' } });
    const unknown = await validate(stack.url, { body: { email: 'nobody@example.com', password: 'nope' } });
    expect([wrong.status, wrong.body]).toEqual([200, { valid: false }]);
    expect([unknown.status, unknown.body]).toEqual([200, { valid: false }]);
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(wrong.headers).sort());
  });

  it('refuses missing or wrong Basic credentials with 401 and a Basic challenge', async () => {
    for (const auth of [null, basic(VALIDATION_USER, 'wrong'), basic('other', VALIDATION_PASSWORD), 'Bearer x', 'Basic !!!']) {
      const res = await validate(stack.url, { auth, body: { email: 'ada@example.com', password: 'Difference Engine 1' } });
      expect(res.status, String(auth)).toBe(401);
      expect(res.body?.code).toBe('UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    }
  });

  it('rejects a malformed body with 400 VALIDATION_FAILED, naming fields, never values', async () => {
    const res = await validate(stack.url, { body: { email: 'not-an-email', password: 'secret-value', extra: 1 } });
    expect(res.status).toBe(400);
    expect(res.body?.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body)).not.toContain('secret-value');
    expect((await validate(stack.url, { body: { email: 'ada@example.com' } })).status).toBe(400);
  });

  it('logs no password and no hash', () => {
    const logs = stack.logs.join('');
    expect(logs).not.toContain('Difference Engine 1');
    expect(logs).not.toContain(VALIDATION_PASSWORD);
    expect(logs).not.toContain('$2b$');
  });
});

it('does not exist when both credentials are unset', async () => {
  const stack = await startStack();
  stacks.push(stack);
  const res = await validate(stack.url, { body: { email: 'ada@example.com', password: 'x' } });
  expect(res.status).toBe(404);
  expect(res.body?.code).toBe('NOT_FOUND');
});

describe('IP allow-list', () => {
  it('answers 403 FORBIDDEN to a caller outside the list, before Basic auth', async () => {
    const stack = await stackWith({ PASSWORD_VALIDATION_ALLOWED_IPS: '10.0.0.0/8, 2001:db8::/32' });
    const res = await validate(stack.url, { auth: null, body: { email: 'a@example.com', password: 'x' } });
    expect(res.status).toBe(403);
    expect(res.body?.code).toBe('FORBIDDEN');
  });

  it('admits a listed caller', async () => {
    const stack = await stackWith({ PASSWORD_VALIDATION_ALLOWED_IPS: '10.0.0.0/8,127.0.0.1' });
    expect((await validate(stack.url, { body: { email: 'a@example.com', password: 'x' } })).status).toBe(200);
  });

  it('takes the client address from X-Forwarded-For when TRUST_PROXY says so', async () => {
    const stack = await stackWith({ PASSWORD_VALIDATION_ALLOWED_IPS: '203.0.113.0/24', TRUST_PROXY: 'true' });
    const body = { email: 'a@example.com', password: 'x' };
    expect((await validate(stack.url, { body, headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
    expect((await validate(stack.url, { body, headers: { 'x-forwarded-for': '198.51.100.1' } })).status).toBe(403);
    expect((await validate(stack.url, { body })).status).toBe(403);
  });
});

describe('rate limits', () => {
  it('limits checks per e-mail (429 with retry-after); other addresses go on', async () => {
    const stack = await stackWith({ PASSWORD_VALIDATION_EMAIL_PER_MINUTE: '2' });
    const body = { email: 'target@example.com', password: 'guess' };
    expect((await validate(stack.url, { body })).status).toBe(200);
    expect((await validate(stack.url, { body: { ...body, email: 'TARGET@example.com' } })).status).toBe(200);
    const limited = await validate(stack.url, { body });
    expect(limited.status).toBe(429);
    expect(limited.body?.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await validate(stack.url, { body: { ...body, email: 'other@example.com' } })).status).toBe(200);
  });

  it('limits each caller, counting failed Basic auth too', async () => {
    const stack = await stackWith({ PASSWORD_VALIDATION_CALLER_PER_MINUTE: '3' });
    const body = { email: 'a@example.com', password: 'x' };
    expect((await validate(stack.url, { body, auth: basic('x', 'y') })).status).toBe(401);
    expect((await validate(stack.url, { body, auth: basic('x', 'z') })).status).toBe(401);
    expect((await validate(stack.url, { body })).status).toBe(200);
    const limited = await validate(stack.url, { body });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });
});

describe('hash-check limit', () => {
  it('answers 503 with retry-after when every slot is busy and the queue is full', async () => {
    const stack = await stackWith({ PASSWORD_VALIDATION_CONCURRENCY: '1', PASSWORD_VALIDATION_QUEUE_MAX: '0' });
    // Cost 13: a check takes long enough (hundreds of ms) that the other requests arrive while it runs.
    await seedCredentials(stack, [{ email: 'slow@example.com', hash: await bcrypt.hash('pw', 13) }]);
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => validate(stack.url, { body: { email: 'slow@example.com', password: 'wrong' } })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(503);
    const busy = answers.find((a) => a.status === 503)!;
    expect(busy.body?.code).toBe('SERVICE_UNAVAILABLE');
    expect(busy.headers['retry-after']).toBe('1');
  });
});
