// The access line (plugins/access-log.ts): one "request completed" line per request with route pattern,
// status and time; the hot routes (GET /auth/session, POST /auth/token) log only their failures unless
// ACCESS_LOG_HOT_ROUTES=all (issue 20). Never a cookie, token or query string.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let quiet: Stack;
let all: Stack;
beforeAll(async () => {
  [quiet, all] = await Promise.all([startStack({ memory: true }), startStack({ memory: true, env: { ACCESS_LOG_HOT_ROUTES: 'all' } })]);
});
afterAll(async () => {
  await Promise.all([quiet.close(), all.close()]);
});

interface AccessLine {
  msg: string;
  reqId: string;
  method: string;
  route: string;
  statusCode: number;
}

/** Its access lines once there is one (the line is written after the answer is sent). */
async function loggedLinesOf(stack: Stack, requestId: string): Promise<AccessLine[]> {
  await eventually(() => linesOf(stack, requestId).length > 0, `the access line of ${requestId}`);
  return linesOf(stack, requestId);
}

/** The access lines of one request, found by its x-request-id. */
function linesOf(stack: Stack, requestId: string): AccessLine[] {
  return stack.logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes(requestId))
    .map((line) => JSON.parse(line) as AccessLine)
    .filter((line) => line.msg === 'request completed');
}

async function guestBrowser(stack: Stack): Promise<Browser> {
  const browser = new Browser(stack.url);
  const login = await browser.post('/auth/login/guest', { gender: 'f', first_name: 'A', last_name: 'B', email: uniqueEmail() });
  expect(login.status).toBe(200);
  return browser;
}

describe('access log', () => {
  it('logs the hot routes only when they fail by default, and every other request', async () => {
    const browser = await guestBrowser(quiet);
    const ok = await browser.get('/auth/session', { headers: { 'x-request-id': 'al-session-ok' } });
    const token = await browser.post('/auth/token', undefined, { headers: { 'x-request-id': 'al-token-ok' } });
    expect([ok.status, token.status]).toEqual([200, 200]);

    const denied = await new Browser(quiet.url).get('/auth/session', { headers: { 'x-request-id': 'al-session-401' } });
    expect(denied.status).toBe(401);
    expect(await loggedLinesOf(quiet, 'al-session-401')).toMatchObject([{ method: 'GET', route: '/auth/session', statusCode: 401 }]);

    const logout = await browser.post('/auth/logout', undefined, { headers: { 'x-request-id': 'al-logout' } });
    expect(logout.status).toBe(204);
    expect(await loggedLinesOf(quiet, 'al-logout')).toMatchObject([{ method: 'POST', route: '/auth/logout', statusCode: 204 }]);
    // Lines are written in answer order: once the later ones are there, the 200s would have been too.
    expect(linesOf(quiet, 'al-session-ok')).toEqual([]);
    expect(linesOf(quiet, 'al-token-ok')).toEqual([]);
  });

  it('logs every answer of the hot routes with ACCESS_LOG_HOT_ROUTES=all', async () => {
    const browser = await guestBrowser(all);
    const ok = await browser.get('/auth/session', { headers: { 'x-request-id': 'al-all-session' } });
    expect(ok.status).toBe(200);
    expect(await loggedLinesOf(all, 'al-all-session')).toMatchObject([{ method: 'GET', route: '/auth/session', statusCode: 200 }]);
    const token = await browser.post('/auth/token', undefined, { headers: { 'x-request-id': 'al-all-token' } });
    expect(token.status).toBe(200);
    const [line] = await loggedLinesOf(all, 'al-all-token');
    expect(line).toMatchObject({ method: 'POST', route: '/auth/token', statusCode: 200 });
    expect(JSON.stringify(line)).not.toContain(token.body.access_token);
  });
});
