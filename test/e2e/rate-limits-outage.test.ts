// Rate limits while Redis is dead, over HTTP against a private redis-server: each instance counts the same
// budgets in process, so SCAYLE sees no more password attempts than the budget (the rate-limit check runs
// before anything that needs the session store: past the budget a caller gets 429, not a stream of 503s
// that still reach SCAYLE), the fallback shows in the metrics, and once Redis is back it counts again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail, type Reply } from '../helpers/http.js';
import { cleanupPrefix, createTestRedis, startPrivateRedis, type PrivateRedis } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

let redis: PrivateRedis;
let perEmail: Stack; // three logins per e-mail a minute
let perIp: Stack; // three guest logins per client IP a minute
const password = 'outage limit password 1';
const email = uniqueEmail('rl-outage');

/** Outage tests wait for the client to notice and to reconnect; give them room beyond the default. */
const OUTAGE_TEST_TIMEOUT_MS = 40_000;

beforeAll(async () => {
  redis = await startPrivateRedis();
  perEmail = await startStack({ env: { REDIS_URL: redis.url, RATE_LIMIT_EMAIL_PER_MINUTE: '3' } });
  perIp = await startStack({ env: { REDIS_URL: redis.url, RATE_LIMIT_IP_PER_MINUTE: '3' }, sharedEmulator: perEmail.emulator });
  const registered = await new Browser(perEmail.url).post('/auth/register', {
    gender: 'f',
    first_name: 'Rate',
    last_name: 'Outage',
    email,
    password,
  });
  expect(registered.status, registered.text).toBe(201);
});

afterAll(async () => {
  await perIp?.close();
  await perEmail?.close();
  await redis?.stop();
});

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The sum of a metric's samples on the stack's /metrics whose labels include `labels` (0 when absent). */
async function metric(stack: Stack, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await new Browser(stack.url).get('/metrics');
  expect(res.status).toBe(200);
  let sum = 0;
  for (const line of res.text.split('\n')) {
    const match = /^([\w:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (match[2] ?? '').includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

/** SCAYLE's own count of calls to one endpoint, read from the emulator over HTTP. */
async function scayleCalls(endpoint: string): Promise<number> {
  const res = await new Browser(perEmail.emulator.url).get('/__emulator/stats');
  expect(res.status).toBe(200);
  return res.body.calls[endpoint] as number;
}

function expectRateLimited(res: Reply): void {
  expect(res.status, res.text).toBe(429);
  expect(res.body.code).toBe('RATE_LIMITED');
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

function expectStoreUnavailable(res: Reply): void {
  expect(res.status, res.text).toBe(503);
  expect(res.body.code).toBe('SESSION_STORE_UNAVAILABLE');
}

const login = (pw: string) => new Browser(perEmail.url).post('/auth/login', { email, password: pw });
const guest = () =>
  new Browser(perIp.url).post('/auth/login/guest', { gender: 'n', first_name: 'G', last_name: 'Uest', email: uniqueEmail('g') });

describe('while Redis is dead', () => {
  beforeAll(async () => {
    redis.kill();
    await eventually(async () => perEmail.app.redis?.status !== 'ready' && perIp.app.redis?.status !== 'ready', 'the clients to notice');
  }, OUTAGE_TEST_TIMEOUT_MS);

  it('lets only the e-mail budget of password attempts reach SCAYLE, then answers 429', async () => {
    const before = await scayleCalls('login');
    const fallbackBefore = await metric(perEmail, 'rate_limit_fallback_total', { group: 'login', budget: 'email' });

    // Within the budget SCAYLE answers: a wrong password is refused, a right one cannot get a session stored.
    expect((await login('wrong password')).body.code).toBe('INVALID_CREDENTIALS');
    expect((await login('wrong password')).body.code).toBe('INVALID_CREDENTIALS');
    expectStoreUnavailable(await login(password));
    // Past it, refused before SCAYLE, whatever the password.
    expectRateLimited(await login('wrong password'));
    expectRateLimited(await login(password));

    expect(await scayleCalls('login')).toBe(before + 3);
    expect(await metric(perEmail, 'rate_limit_fallback_total', { group: 'login', budget: 'email' })).toBe(fallbackBefore + 5);
    expect(await metric(perEmail, 'rate_limit_fallback_active')).toBe(1);
    expect(await metric(perEmail, 'rate_limit_denials_total', { group: 'login', budget: 'email' })).toBe(2);
  });

  it('keeps the per-IP budget too', async () => {
    const before = await scayleCalls('guest');
    for (let i = 0; i < 3; i += 1) expectStoreUnavailable(await guest());
    expectRateLimited(await guest());
    expect(await scayleCalls('guest')).toBe(before + 3);
    expect(await metric(perIp, 'rate_limit_fallback_total', { group: 'guest', budget: 'ip' })).toBe(4);
  });
});

describe('when Redis is back', () => {
  beforeAll(async () => {
    await redis.restart();
  }, OUTAGE_TEST_TIMEOUT_MS);

  it(
    'counts in Redis again',
    async () => {
      // A new address per attempt: polling must not spend an e-mail budget.
      const attempt = () => new Browser(perEmail.url).post('/auth/login', { email: uniqueEmail('rl-back'), password: 'wrong password' });
      // Recovered once a login is counted without the fallback.
      await eventually(async () => {
        const fallbackBefore = await metric(perEmail, 'rate_limit_fallback_total');
        const res = await attempt();
        expect(res.status, res.text).toBe(401);
        return (await metric(perEmail, 'rate_limit_fallback_total')) === fallbackBefore;
      }, 'the limiter to count in Redis');
      expect(await metric(perEmail, 'rate_limit_fallback_active')).toBe(0);

      // The counters are in the (fresh) Redis under the stack's prefix.
      const client = createTestRedis(redis.url);
      try {
        expect(await cleanupPrefix(client, `${perEmail.prefix}rl:`)).toBeGreaterThan(0);
      } finally {
        client.disconnect();
      }
    },
    OUTAGE_TEST_TIMEOUT_MS,
  );
});
