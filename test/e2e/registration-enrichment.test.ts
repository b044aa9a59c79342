// Registration enrichment (issue 17 §4) over HTTP with real Redis (BullMQ) and the emulator as SCAYLE's
// Admin API: profile fields are validated, not sent to the Auth API, queued sealed, delivered after
// injected failures with backoff, dead-lettered when they keep failing (metric and log), re-queued by
// `npm run enrichment -- retry-dead`; the registration never waits for the Admin API.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runEnrichmentCli } from '../../src/cli/enrichment.js';
import { eventually } from '../helpers/eventually.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { createTestRedis, dumpPrefix, redisUrl } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ENV = {
  REGISTER_PROFILE_FIELDS: 'birth_date:date,phone:string',
  ENRICHMENT_ATTEMPTS: '3',
  ENRICHMENT_BACKOFF_MS: '20',
  TRUST_PROXY: 'true',
};
let stack: Stack;
let ip = 0;

beforeAll(async () => {
  stack = await startStack({ env: ENV });
});
afterAll(async () => {
  await stack?.close();
});

function register(extra: Record<string, unknown>, email = uniqueEmail('enrich')) {
  ip += 1;
  return new Browser(stack.url).post(
    '/auth/register',
    { gender: 'f', first_name: 'Ada', last_name: 'Lovelace', email, password: 'correct horse battery', ...extra },
    { headers: { 'x-forwarded-for': `203.0.113.${ip}` } },
  );
}

const updatesFor = (customerId: string) => stack.emulator.state.adminCustomerUpdates.filter((u) => String(u.customerId) === customerId);

async function metric(name: string): Promise<number> {
  const text = (await new Browser(stack.url).get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

it('delivers the profile fields to the Admin API after two injected failures, sealed while queued', async () => {
  stack.emulator.faults.add({ endpoint: 'admin.customer-update', status: 503, times: 2 });
  const calls = stack.emulator.state.calls('admin.customer-update');
  const res = await register({ birth_date: '1990-02-28', phone: '+49 30 1234567' });
  expect(res.status, res.text).toBe(201);
  const customerId = String(res.body.customer.id);

  await eventually(() => updatesFor(customerId).length === 1, 'the profile update to reach the Admin API');
  expect(stack.emulator.state.calls('admin.customer-update') - calls).toBe(3);
  const [update] = updatesFor(customerId);
  expect(update).toEqual({
    customerId: Number(customerId),
    shopKey: 'dev',
    countryCode: 'DE',
    body: { birthDate: '1990-02-28', phone: '+49 30 1234567' },
  });
  expect(stack.emulator.state.lastHeaders('admin.customer-update').at(-1)?.['x-access-token']).toBe('dev-admin-token');
  expect(stack.logs.join('').includes('1234567')).toBe(false);
  expect(stack.logs.join('').includes('dev-admin-token')).toBe(false);
  expect(await metric('enrichment_jobs_total{outcome="retry"}')).toBeGreaterThanOrEqual(2);
});

it('dead-letters an update that keeps failing (metric, log), sealed in Redis; retry-dead re-queues it', async () => {
  stack.emulator.faults.add({ endpoint: 'admin.customer-update', status: 500, times: 3 });
  const deadBefore = await metric('enrichment_jobs_total{outcome="dead"}');
  const res = await register({ phone: '+49 40 7654321' });
  expect(res.status, res.text).toBe(201);
  const customerId = String(res.body.customer.id);
  await eventually(async () => (await metric('enrichment_dead_letters')) === 1, 'the update to be dead-lettered');
  expect(await metric('enrichment_jobs_total{outcome="dead"}')).toBe(deadBefore + 1);
  expect(updatesFor(customerId)).toEqual([]);
  expect(stack.logs.some((l) => l.includes('profile update dead-lettered') && l.includes(customerId))).toBe(true);
  // The job's payload sits in Redis sealed: the phone number is nowhere in clear, nor in the logs.
  const redis = createTestRedis();
  try {
    const dump = await dumpPrefix(redis, stack.prefix);
    expect(dump.bytes.includes('{enrichment}')).toBe(true);
    expect(dump.bytes.includes('7654321')).toBe(false);
  } finally {
    redis.disconnect();
  }
  expect(stack.logs.join('').includes('7654321')).toBe(false);

  const out: string[] = [];
  const env = {
    DEV_MODE: 'true',
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: stack.prefix,
    SESSION_ENCRYPTION_KEYS: stack.config.session.encryptionKeys.join(','),
    REGISTER_PROFILE_FIELDS: ENV.REGISTER_PROFILE_FIELDS,
  };
  expect(await runEnrichmentCli(['retry-dead'], env, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
  expect(out).toEqual(['re-queued 1 dead-lettered profile update(s)']);
  await eventually(() => updatesFor(customerId).length === 1, 'the re-queued update to reach the Admin API');
  expect(updatesFor(customerId)[0]!.body).toEqual({ phone: '+49 40 7654321' });
  expect(await metric('enrichment_dead_letters')).toBe(0);
});

it('answers the registration before a slow Admin API has answered', async () => {
  stack.emulator.faults.add({ endpoint: 'admin.customer-update', delayMs: 600_000, times: 1 });
  const calls = stack.emulator.state.calls('admin.customer-update');
  const res = await register({ birth_date: '1985-12-01' });
  expect(res.status, res.text).toBe(201);
  const customerId = String(res.body.customer.id);
  // The update is under way (or yet to start) while the customer already has the answer.
  await eventually(() => stack.emulator.state.calls('admin.customer-update') > calls, 'the Admin API call to start');
  expect(updatesFor(customerId)).toEqual([]);
  stack.emulator.faults.wakeAll();
  await eventually(() => updatesFor(customerId).length === 1, 'the delayed update to arrive');
});

it('rejects bad profile fields with 400 naming the field, and still rejects unknown fields', async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ birth_date: '2023-02-30' }, 'birth_date'],
    [{ birth_date: '2999-01-01' }, 'birth_date'],
    [{ birth_date: '01.02.1990' }, 'birth_date'],
    [{ phone: 42 }, 'phone'],
    [{ phone: '' }, 'phone'],
    [{ shoe_size: '42' }, 'shoe_size'],
  ];
  const registers = stack.emulator.state.calls('register');
  for (const [extra, path] of cases) {
    const res = await register(extra);
    expect(res.status, JSON.stringify(extra)).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const issue = (res.body.errors as Array<{ path: string; message: string }>).find((e) => e.path === path);
    expect(issue, res.text).toBeDefined();
    // A declared field fails its own rule; only an undeclared one is an unknown field.
    expect(issue!.message === 'Unknown field', res.text).toBe(path === 'shoe_size');
    // Never echoes the value.
    expect(res.text.includes('2999-01-01')).toBe(false);
  }
  // Rejected before the Authentication API is asked.
  expect(stack.emulator.state.calls('register')).toBe(registers);
});
