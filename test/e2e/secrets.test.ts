// Secrets never leave: every flow runs with debug logging, then the captured log, every response and
// the raw Redis keys are searched for passwords, refresh and access tokens, the client secret and the
// session cookie value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail, type Reply } from '../helpers/http.js';
import { createTestRedis, dumpPrefix } from '../helpers/redis.js';
import { startStack, TEST_SECRETS, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ emulator: { accessTokenTtlSeconds: 20 }, env: { CLIENT_KEYS: 'app-1=token', LOG_LEVEL: 'trace' } });
});
afterAll(async () => {
  await stack.close();
});

describe('secrets', () => {
  it('appear in no log line, response or raw Redis value', async () => {
    const password = 'Pa55word-that-must-not-leak';
    const email = uniqueEmail('secret');
    const browser = new Browser(stack.url);
    const replies: Reply[] = [];
    const record = async (p: Promise<Reply>) => replies.push(await p);

    await record(browser.post('/auth/register', { gender: 'f', first_name: 'S', last_name: 'Ecret', email, password }));
    await record(browser.post('/auth/login', { email, password }));
    await record(browser.post('/auth/login', { email, password: `${password}-wrong` }));
    await record(browser.post('/auth/token'));
    await record(browser.get('/auth/session'));
    const cookieValue = browser.cookies.get('bff_session')!;
    await record(browser.post('/auth/logout'));
    const app = new Browser(stack.url);
    const mobile = await app.post(
      '/auth/login/guest',
      { gender: 'n', first_name: 'A', last_name: 'B', email: uniqueEmail() },
      { csrf: false, headers: { 'x-client-key': 'app-1' } },
    );
    const sessionToken: string = mobile.body.session_token;
    await record(app.post('/auth/token', undefined, { csrf: false, headers: { authorization: `Token ${sessionToken}` } }));

    const refreshTokens = [...stack.emulator.state.refreshTokens.keys()];
    const accessTokens = [...stack.emulator.state.accessTokens.values()].map((r) => r.token);
    expect(refreshTokens.length).toBeGreaterThan(3);
    const secrets = [password, TEST_SECRETS.clientSecret, cookieValue, ...refreshTokens];

    const log = stack.logs.join('');
    expect(log.length).toBeGreaterThan(1000);
    for (const secret of [...secrets, sessionToken, ...accessTokens]) expect(log).not.toContain(secret);

    const responses = replies.map((r) => r.text + JSON.stringify(r.headers)).join('\n');
    for (const secret of [password, TEST_SECRETS.clientSecret, ...refreshTokens]) expect(responses).not.toContain(secret);

    const redis = createTestRedis();
    try {
      // Records are binary: compare raw bytes, not decoded text.
      const dump = await dumpPrefix(redis, stack.prefix);
      expect(dump.keys).toBeGreaterThan(0);
      expect(dump.bytes.toString('latin1')).not.toContain('unexpected type');
      for (const secret of [...secrets, sessionToken, ...accessTokens])
        expect(dump.bytes.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    } finally {
      redis.disconnect();
    }
  });
});
