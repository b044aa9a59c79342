// Token refresh over HTTP: a token with under 30 s left is refreshed upstream (rotating the refresh
// token), a rejected refresh ends the session with 401 SESSION_EXPIRED, an upstream outage keeps it, and
// many concurrent requests cause exactly one upstream refresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  // 20 s access tokens: always inside the 30 s refresh window, so every POST /auth/token refreshes.
  stack = await startStack({ emulator: { accessTokenTtlSeconds: 20, rotation: 'strict' } });
});
afterAll(async () => {
  await stack.close();
});

async function guestSession(): Promise<{ browser: Browser; accessToken: string; customerId: string }> {
  const browser = new Browser(stack.url);
  const res = await browser.post('/auth/login/guest', { gender: 'f', first_name: 'A', last_name: 'B', email: uniqueEmail() });
  expect(res.status).toBe(200);
  return { browser, accessToken: res.body.access_token, customerId: res.body.customer.id };
}

describe('POST /auth/token refresh', () => {
  it('refreshes a token with under 30 s left and rotates the refresh token upstream', async () => {
    const { browser, accessToken, customerId } = await guestSession();
    const before = stack.emulator.state.calls('token.refresh');
    const oldRefresh = stack.emulator.state.refreshTokensOf(customerId);
    const res = await browser.post('/auth/token');
    expect(res.status).toBe(200);
    expect(res.body.access_token).not.toBe(accessToken);
    expect(stack.emulator.state.calls('token.refresh')).toBe(before + 1);
    expect(stack.emulator.state.refreshTokensOf(customerId)).not.toEqual(oldRefresh);
    const second = await browser.post('/auth/token');
    expect(second.status).toBe(200);
    expect(second.body.access_token).not.toBe(res.body.access_token);
  });

  it('ends the session with 401 SESSION_EXPIRED and clears the cookie when SCAYLE rejects the refresh', async () => {
    const { browser, customerId } = await guestSession();
    stack.emulator.state.revokeCustomerFamilies(Number(customerId));
    const res = await browser.post('/auth/token');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('SESSION_EXPIRED');
    expect(res.setCookies.some((c) => c.startsWith('bff_session=;'))).toBe(true);
    expect(browser.cookies.has('bff_session')).toBe(false);
  });

  it('keeps the session when the refresh fails upstream with a 5xx', async () => {
    const { browser } = await guestSession();
    stack.emulator.faults.add({ endpoint: 'token.refresh', status: 500, times: 1 });
    const failed = await browser.post('/auth/token');
    expect(failed.status).toBe(502);
    expect(failed.body.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(failed.setCookies).toEqual([]);
    const retried = await browser.post('/auth/token');
    expect(retried.status).toBe(200);
  });

  it('merges 50 concurrent refreshes of one session into one upstream call', async () => {
    const { browser } = await guestSession();
    const before = stack.emulator.state.calls('token.refresh');
    stack.emulator.faults.add({ endpoint: 'token.refresh', delayMs: 150, times: 1 });
    const results = await Promise.all(Array.from({ length: 50 }, () => browser.post('/auth/token')));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(results.map((r) => r.body.access_token)).size).toBe(1);
    expect(stack.emulator.state.calls('token.refresh')).toBe(before + 1);
    expect((await browser.get('/auth/session')).status).toBe(200);
  });
});
