// The ops command (issue 15 point 6): `npm run sessions -- list-customer|end-customer <id>` against the
// service's own Redis and SCAYLE, ending the customer's sessions on every instance and revoking their
// tokens upstream, and printing no token, session id or secret.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSessionsCli } from '../../src/cli/sessions.js';
import { customerOn } from '../helpers/account.js';
import { redisUrl } from '../helpers/redis.js';
import { startStack, TEST_SECRETS, type Stack } from '../helpers/stack.js';

const KEY = randomBytes(32).toString('base64url');
let stack: Stack;
let env: Record<string, string>;
beforeAll(async () => {
  stack = await startStack({ env: { TRUST_PROXY: 'true', SESSION_ENCRYPTION_KEYS: KEY } });
  // The service's environment, as ops would have it.
  env = {
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: stack.prefix,
    SESSION_ENCRYPTION_KEYS: KEY,
    SCAYLE_AUTH_BASE_URL: stack.emulator.url,
    SCAYLE_CLIENT_ID: TEST_SECRETS.clientId,
    SCAYLE_CLIENT_SECRET: TEST_SECRETS.clientSecret,
    SCAYLE_SHOP_ID: '7',
    SCAYLE_SHOP_SECRET: TEST_SECRETS.shopSecret,
  };
});
afterAll(async () => {
  await stack?.close();
});

async function run(argv: string[], environment = env): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSessionsCli(argv, environment, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run sessions', () => {
  it('lists a customer’s sessions by public handle, then ends them all and revokes them upstream', async () => {
    const customer = await customerOn([stack.url, stack.url], 'ops');
    const bystander = await customerOn([stack.url], 'ops-bystander');
    const handles = ((await customer.devices[0]!.get('/auth/sessions')).body as Array<{ id: string }>).map((s) => s.id);
    const tokens = await Promise.all(customer.devices.map(async (d) => (await d.post('/auth/token')).body.access_token as string));

    const listed = await run(['list-customer', customer.id]);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^2 live session\(s\) of customer /);
    for (const handle of handles) expect(listed.out).toContain(handle);
    expect(listed.out).toContain('device-0');
    expect(listed.out).toContain('device-1');

    const ended = await run(['end-customer', customer.id]);
    expect(ended).toMatchObject({ code: 0, out: `ended 2 session(s) of customer ${customer.id}` });
    for (const device of customer.devices) expect((await device.get('/auth/session')).status).toBe(401);
    for (const token of tokens) expect(await stack.emulator.state.isAccessTokenValid(token)).toBe(false);
    expect((await bystander.devices[0]!.get('/auth/session')).status).toBe(200);
    expect((await run(['end-customer', customer.id])).out).toBe(`ended 0 session(s) of customer ${customer.id}`);

    // Nothing secret in anything it printed.
    const printed = [listed.out, listed.err, ended.out, ended.err].join('\n');
    const cookies = customer.devices.flatMap((d) => [...d.cookies.values()]);
    for (const secret of [...tokens, ...cookies, KEY, TEST_SECRETS.clientSecret, TEST_SECRETS.shopSecret]) {
      expect(printed).not.toContain(secret);
    }
  });

  // --- issue 18: key-usage ---
  it('counts the records each encryption key seals, printing key ids and counts only', async () => {
    await customerOn([stack.url, stack.url], 'ops-keys');
    const usage = await run(['key-usage']);
    expect(usage.code).toBe(0);
    const [first, unknown] = usage.out.split('\n');
    expect(Number(/^key 1 \(id [0-9a-f]{12}\) encrypts: (\d+) record\(s\)$/.exec(first!)?.[1])).toBeGreaterThanOrEqual(2);
    expect(unknown).toBe('keys no longer configured: 0 record(s)');
    expect(usage.out).not.toContain(KEY);
    expect((await run(['key-usage', 'extra'])).code).toBe(2);
  });
  // --- end issue 18 ---

  it('refuses bad arguments and an incomplete environment, naming the problem', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['end-customer'])).err).toMatch(/^usage:/);
    expect((await run(['end-customer', 'a{b}'])).code).toBe(2);
    const noRedis = await run(['list-customer', '1'], { ...env, REDIS_URL: '' });
    expect([noRedis.code, noRedis.err]).toEqual([1, expect.stringContaining('REDIS_URL')]);
    const noKeys = await run(['list-customer', '1'], { ...env, SESSION_ENCRYPTION_KEYS: '' });
    expect(noKeys.code).toBe(1);
    expect(noKeys.err).toContain('SESSION_ENCRYPTION_KEYS');
  });

  it('runs as the npm script', async () => {
    const customer = await customerOn([stack.url], 'ops-script');
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'sessions', '--', 'list-customer', customer.id], {
      env: { ...process.env, ...env },
    });
    expect(stdout).toMatch(/^1 live session\(s\) of customer /);
  }, 30_000);
});
