// Session lifetimes in real time, over HTTP: SESSION_IDLE_TTL_SECONDS=2 and SESSION_ABSOLUTE_TTL_SECONDS=5.
// Activity slides the idle deadline and renews the cookie, whose Max-Age is always the time left until
// the session would end if unused; idleness or the absolute lifetime end it with 401 SESSION_EXPIRED.
// The two scenarios run concurrently so the file takes about as long as the absolute lifetime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, parseSetCookie, uniqueEmail, type Reply } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SESSION_IDLE_TTL_SECONDS: '2', SESSION_ABSOLUTE_TTL_SECONDS: '5' } });
});
afterAll(async () => {
  await stack.close();
});

const COOKIE = 'bff_session';

function sessionCookie(res: Reply): { value: string; maxAge: number } | undefined {
  const line = res.setCookies.find((l) => l.startsWith(`${COOKIE}=`));
  if (line === undefined) return undefined;
  const cookie = parseSetCookie(line);
  return { value: cookie.value, maxAge: Number(cookie.attributes['max-age']) };
}

/** Waits until `ms` after `t0` (absolute schedule, so steps do not drift). */
async function at(t0: number, ms: number): Promise<void> {
  const wait = t0 + ms - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

async function login(): Promise<{ browser: Browser; t0: number; res: Reply }> {
  const browser = new Browser(stack.url);
  const res = await browser.post('/auth/login/guest', { gender: 'f', first_name: 'Life', last_name: 'Time', email: uniqueEmail('life') });
  expect(res.status).toBe(200);
  // The session began during the request: t0 is no earlier, so deadlines counted from it are not late.
  return { browser, t0: Date.now(), res };
}

/** Max-Age must equal min(idle deadline, absolute deadline) − now, to the second. */
function expectMaxAgeMatches(res: Reply, deadlines: { idle: number; absolute: number }): void {
  const cookie = sessionCookie(res);
  expect(cookie, 'activity renews the cookie').toBeDefined();
  const expected = (Math.min(deadlines.idle, deadlines.absolute) - Date.now()) / 1000;
  expect(Math.abs(cookie!.maxAge - expected)).toBeLessThanOrEqual(1);
}

function expectExpired(res: Reply): void {
  expect(res.status).toBe(401);
  expect(res.body.code).toBe('SESSION_EXPIRED');
  const cleared = res.setCookies.map(parseSetCookie).find((c) => c.name === COOKIE);
  expect(cleared?.value).toBe('');
}

describe.concurrent('session lifetimes', () => {
  it('ends an idle session after the idle timeout and clears the cookie', async () => {
    const { browser, t0, res } = await login();
    expect(sessionCookie(res)?.maxAge).toBe(2);
    const cookie = browser.cookies.get(COOKIE)!;

    await at(t0, 2_400);
    expectExpired(await browser.post('/auth/token'));
    // The session is gone, not just this request refused.
    const again = new Browser(stack.url);
    again.cookies.set(COOKIE, cookie);
    expect((await again.get('/auth/session')).status).toBe(401);
  });

  it('slides the idle deadline on activity, renews Max-Age, and still ends at the absolute lifetime', async () => {
    const { browser, t0, res } = await login();
    expect(sessionCookie(res)?.maxAge).toBe(2);

    // t ≈ 1.1 s: activity moves the idle deadline to ≈ 3.1 s.
    await at(t0, 1_100);
    const first = await browser.get('/auth/session');
    expect(first.status).toBe(200);
    const absolute = Date.parse(first.body.expires_at);
    expect(absolute).toBeLessThanOrEqual(t0 + 5_000);
    expect(absolute).toBeGreaterThan(t0 + 4_000);
    let idle = Date.parse(first.body.idle_expires_at);
    expect(idle).toBeGreaterThan(t0 + 2_500);
    expectMaxAgeMatches(first, { idle, absolute });

    // t ≈ 2.3 s: past the first idle deadline (≤ 2 s), alive only because it slid; POST /auth/token slides too.
    await at(t0, 2_300);
    const second = await browser.post('/auth/token');
    expect(second.status).toBe(200);
    idle = Date.now() + 2_000;
    expectMaxAgeMatches(second, { idle, absolute });

    // From here on the server's own absolute deadline sets the schedule.
    // 0.9 s before it: the absolute deadline is the nearer one, and Max-Age says so.
    await at(absolute, -900);
    const third = await browser.get('/auth/session');
    expect(third.status).toBe(200);
    expect(Date.parse(third.body.idle_expires_at)).toBeGreaterThan(absolute);
    expectMaxAgeMatches(third, { idle: Date.parse(third.body.idle_expires_at), absolute });
    expect(sessionCookie(third)!.maxAge).toBeLessThan(2);

    // 0.4 s before it: still served, and a successful answer never deletes the cookie (Max-Age=0) of a live session.
    await at(absolute, -400);
    const fourth = await browser.post('/auth/token');
    expect(fourth.status).toBe(200);
    expect(sessionCookie(fourth)!.maxAge).toBeGreaterThanOrEqual(1);
    expect(browser.cookies.has(COOKIE)).toBe(true);

    // 0.4 s after it: the idle deadline (≈ 1.6 s later) is far off, but the absolute lifetime is over.
    await at(absolute, 400);
    expectExpired(await browser.get('/auth/session'));
  });
});
