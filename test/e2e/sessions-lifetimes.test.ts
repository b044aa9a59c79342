// Session lifetimes over HTTP on the service's injected clock (buildApp's `now`), so deadlines are exact
// and nothing waits: SESSION_IDLE_TTL_SECONDS=2 and SESSION_ABSOLUTE_TTL_SECONDS=5. Activity slides the idle
// deadline and renews the cookie, whose Max-Age is always the time left until the session would end if
// unused (rounded up); idleness or the absolute lifetime end it with 401 SESSION_EXPIRED.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, parseSetCookie, uniqueEmail, type Reply } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

// Starts at the real time: access tokens from the emulator carry real expiry times, and a few seconds of
// fake time never make them stale.
let clock = Date.now();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SESSION_IDLE_TTL_SECONDS: '2', SESSION_ABSOLUTE_TTL_SECONDS: '5' }, overrides: { now: () => clock } });
});
afterAll(async () => {
  await stack.close();
});

const COOKIE = 'bff_session';

function maxAge(res: Reply): number | undefined {
  const line = res.setCookies.find((l) => l.startsWith(`${COOKIE}=`));
  return line === undefined ? undefined : Number(parseSetCookie(line).attributes['max-age']);
}

async function login(): Promise<{ browser: Browser; t0: number; res: Reply }> {
  const t0 = clock;
  const browser = new Browser(stack.url);
  const res = await browser.post('/auth/login/guest', { gender: 'f', first_name: 'Life', last_name: 'Time', email: uniqueEmail('life') });
  expect(res.status).toBe(200);
  return { browser, t0, res };
}

/** sessions_ended_total{reason="expired"} from this stack's metrics. */
async function endedExpired(): Promise<number> {
  const values = await stack.app.metrics.sessionsEnded.get();
  return values.values.find((v) => v.labels.reason === 'expired')?.value ?? 0;
}

function expectExpired(res: Reply): void {
  expect(res.status).toBe(401);
  expect(res.body.code).toBe('SESSION_EXPIRED');
  const cleared = res.setCookies.map(parseSetCookie).find((c) => c.name === COOKIE);
  expect(cleared?.value).toBe('');
}

describe('session lifetimes', () => {
  it('ends an idle session at the idle timeout and clears the cookie', async () => {
    const { browser, t0, res } = await login();
    expect(maxAge(res)).toBe(2);
    const cookie = browser.cookies.get(COOKIE)!;

    const expiredBefore = await endedExpired();
    clock = t0 + 2_000;
    expectExpired(await browser.post('/auth/token'));
    expect(await endedExpired()).toBe(expiredBefore + 1);
    // The session is gone, not just this request refused.
    const again = new Browser(stack.url);
    again.cookies.set(COOKIE, cookie);
    expect((await again.get('/auth/session')).status).toBe(401);
  });

  it('slides the idle deadline on activity, renews Max-Age, and still ends at the absolute lifetime', async () => {
    const { browser, t0, res } = await login();
    expect(maxAge(res)).toBe(2);

    // Activity moves the idle deadline to t0 + 3.1 s; Max-Age is the 2 s left until then.
    clock = t0 + 1_100;
    const first = await browser.get('/auth/session');
    expect(first.status).toBe(200);
    const absolute = Date.parse(first.body.expires_at);
    expect(absolute).toBe(t0 + 5_000);
    expect(Date.parse(first.body.idle_expires_at)).toBe(t0 + 3_100);
    expect(maxAge(first)).toBe(2);

    // Past the first idle deadline (t0 + 2 s), alive only because it slid; POST /auth/token slides too.
    clock = t0 + 2_300;
    const second = await browser.post('/auth/token');
    expect(second.status).toBe(200);
    expect(maxAge(second)).toBe(2);
    expect(Date.parse((await browser.get('/auth/session')).body.idle_expires_at)).toBe(t0 + 4_300);

    // 0.9 s before the absolute deadline it is the nearer one, and Max-Age says so.
    clock = absolute - 900;
    const third = await browser.get('/auth/session');
    expect(third.status).toBe(200);
    expect(Date.parse(third.body.idle_expires_at)).toBe(absolute + 1_100);
    expect(maxAge(third)).toBe(1);

    // 1 ms before it: still served, and a successful answer never deletes the cookie (Max-Age=0) of a live session.
    clock = absolute - 1;
    const fourth = await browser.post('/auth/token');
    expect(fourth.status).toBe(200);
    expect(maxAge(fourth)).toBe(1);
    expect(browser.cookies.has(COOKIE)).toBe(true);

    // At it: the idle deadline (2 s later) is far off, but the absolute lifetime is over.
    clock = absolute;
    expectExpired(await browser.get('/auth/session'));
  });
});
