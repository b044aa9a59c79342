// The typed client against a real stack: token mode (mobile) and web mode (a cookie-jar fetch standing in
// for the browser), and its route table held against the service's own OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BffClient, BffError, ROUTES } from '../../src/client/bff-client.js';
import { uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: { CLIENT_KEYS: 'ios-app=token', SOCIAL_PROVIDERS: 'apple', SOCIAL_REDIRECT_URIS: 'https://shop.test/cb,https://shop.test/oops' },
  });
});
afterAll(async () => {
  await stack.close();
});

const PASSWORD = 'correct horse battery';
const registration = (email: string) => ({ gender: 'f' as const, first_name: 'Ada', last_name: 'Lovelace', email, password: PASSWORD });

/** What a browser adds by itself: the cookie jar and, on every request, its Origin. */
function browserFetch(origin: string): { fetch: typeof fetch; jar: Map<string, string> } {
  const jar = new Map<string, string>();
  const wrapped: typeof fetch = async (input, init = {}) => {
    expect(init.credentials).toBe('include');
    const headers = new Headers(init.headers);
    headers.set('origin', origin);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
      const [name = '', value = ''] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      const gone = value === '' || attributes.some((a) => /^max-age=0$/i.test(a) || /^expires=Thu, 01 Jan 1970/i.test(a));
      if (gone) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
  return { fetch: wrapped, jar };
}

async function rejection(promise: Promise<unknown>): Promise<BffError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BffError);
  return error as BffError;
}

describe('token mode (mobile apps)', () => {
  it('remembers the session_token, sends it as Authorization: Token, and forgets it at logout', async () => {
    const seen: Array<string | undefined> = [];
    const app = new BffClient({ baseUrl: stack.url, mode: 'token', clientKey: 'ios-app', onSessionToken: (t) => seen.push(t) });
    const email = uniqueEmail('client-app');
    const registered = await app.register(registration(email));
    expect(registered.customer.guest).toBe(false);
    expect(app.sessionToken).toBe(registered.session_token);
    expect(app.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const info = await app.session();
    expect(info).toMatchObject({ authenticated: true, customer: { id: registered.customer.id, guest: false } });
    const token = await app.token();
    expect(token.access_token).toBe(registered.access_token);
    expect(token).not.toHaveProperty('session_token');

    // A second device of the same customer, then revoke it by its public handle.
    const other = new BffClient({ baseUrl: stack.url, mode: 'token', clientKey: 'ios-app' });
    await other.login({ email, password: PASSWORD });
    const sessions = await app.listSessions();
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const foreign = sessions.find((s) => !s.current)!;
    await app.revokeSession(foreign.id);
    const ended = await rejection(other.session());
    expect(ended).toMatchObject({ status: 401, code: 'SESSION_MISSING' });
    expect(ended.problem?.request_id).toBe(ended.requestId);
    expect(other.sessionToken).toBeUndefined();

    await app.logout();
    expect(app.sessionToken).toBeUndefined();
    expect(seen).toEqual([registered.session_token, undefined]);
    expect((await rejection(app.token())).code).toBe('SESSION_MISSING');
  });

  it('restores a session from a stored session_token; guest and magic-link logins work too', async () => {
    const app = new BffClient({ baseUrl: stack.url, mode: 'token', clientKey: 'ios-app' });
    const guest = await app.guestLogin({ gender: 'n', first_name: 'G', last_name: 'Uest', email: uniqueEmail('client-guest') });
    expect(guest.customer.guest).toBe(true);
    const restored = new BffClient({ baseUrl: stack.url, mode: 'token', clientKey: 'ios-app', sessionToken: app.sessionToken });
    expect((await restored.session()).customer.guest).toBe(true);

    const sent = await app.sendMagicLink(uniqueEmail('client-magic'));
    const link = new URL(sent._debug_auth_link!);
    const magic = await app.magicLinkLogin(link.searchParams.get('token')!);
    expect(magic.customer.guest).toBe(false);
    expect(app.sessionToken).toBe(magic.session_token);
    expect(app.sessionToken).not.toBe(restored.sessionToken);
  });

  it('logs in with a social provider code and builds the SSO start address', async () => {
    const app = new BffClient({ baseUrl: stack.url, mode: 'token', clientKey: 'ios-app' });
    const social = await app.socialLogin({ provider: 'apple', code: 'valid-typed-client', redirect_uri: 'https://shop.test/cb' });
    expect(app.sessionToken).toBe(social.session_token);
    expect((await app.session()).customer.id).toBe(social.customer.id);

    const start = app.ssoStartUrl('apple', { returnTo: 'https://shop.test/cb', errorReturnTo: 'https://shop.test/oops' });
    const res = await fetch(start, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('/v1/auth/external/redirect?shopId=7&jwt=');
  });

  it('needs a client key, and an unknown one is CLIENT_UNKNOWN', async () => {
    expect(() => new BffClient({ mode: 'token' })).toThrow(/clientKey/);
    const app = new BffClient({ baseUrl: stack.url, mode: 'token', clientKey: 'nobody' });
    const error = await rejection(app.guestLogin({ gender: 'n', first_name: 'G', last_name: 'U', email: uniqueEmail() }));
    expect(error).toMatchObject({ status: 401, code: 'CLIENT_UNKNOWN' });
  });
});

describe('web mode (cookies)', () => {
  it('logs in with the cookie, passes the CSRF rule, refreshes, ends other sessions and logs out', async () => {
    const browser = browserFetch(stack.url);
    const web = new BffClient({ baseUrl: stack.url, fetch: browser.fetch });
    const email = uniqueEmail('client-web');
    const registered = await web.register(registration(email));
    expect(registered).not.toHaveProperty('session_token');
    expect(browser.jar.has(stack.config.session.cookieName)).toBe(true);
    expect((await web.session()).customer.id).toBe(registered.customer.id);
    expect((await web.token()).access_token).toBe(registered.access_token);

    const second = new BffClient({ baseUrl: stack.url, fetch: browserFetch(stack.url).fetch });
    await second.login({ email, password: PASSWORD });
    expect(await web.listSessions()).toHaveLength(2);
    await web.revokeOtherSessions();
    expect((await rejection(second.session())).code).toBe('SESSION_MISSING');
    expect(await web.listSessions()).toHaveLength(1);

    await web.logout();
    expect(browser.jar.size).toBe(0);
    expect((await rejection(web.session())).status).toBe(401);
  });

  it('throws BffError with the problem body: wrong password, invalid fields, no answer', async () => {
    const web = new BffClient({ baseUrl: stack.url, fetch: browserFetch(stack.url).fetch });
    const wrong = await rejection(web.login({ email: uniqueEmail(), password: 'not the password' }));
    expect(wrong).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS', problem: { status: 401, code: 'INVALID_CREDENTIALS' } });
    const invalid = await rejection(web.guestLogin({ gender: 'x' as 'n', first_name: 'G', last_name: 'U', email: uniqueEmail() }));
    expect(invalid.code).toBe('VALIDATION_FAILED');
    expect(invalid.problem?.errors?.map((e) => e.path)).toEqual(['gender']);

    const offline = new BffClient({ baseUrl: 'http://127.0.0.1:9' });
    expect(await rejection(offline.health())).toMatchObject({ status: 0, code: 'NETWORK_ERROR', problem: undefined });
  });

  it('reads health and readiness', async () => {
    const web = new BffClient({ baseUrl: `${stack.url}/` });
    expect(await web.health()).toEqual({ status: 'ok' });
    expect(await web.ready()).toMatchObject({ status: 'ok', checks: { store: 'ok', upstream: 'ok' } });
  });
});

describe('route table', () => {
  it('names only operations the OpenAPI document has, with the same method', async () => {
    const res = await fetch(`${stack.url}/docs/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
    for (const [operation, { method, path }] of Object.entries(ROUTES)) {
      expect(doc.paths[path]?.[method.toLowerCase()], `${operation}: ${method} ${path}`).toBeDefined();
      // The client's names are the document's operationIds, so generated clients and this one agree.
      expect(doc.paths[path]?.[method.toLowerCase()]?.operationId, `${operation}: ${method} ${path}`).toBe(operation);
    }

    // And the other way: a shop-facing operation the service documents but the client lacks is drift.
    const covered = new Set(Object.values(ROUTES).map((r) => `${r.method} ${r.path}`));
    const documented = Object.entries(doc.paths)
      .filter(([path]) => /^\/(auth|health)\//.test(path))
      .flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.filter((op) => !covered.has(op))).toEqual([]);
  });
});

// --- issue 15 ---
describe('account recovery (web mode)', () => {
  it('resets the password by e-mailed hash, changes it while logged in, and builds the logout redirect', async () => {
    const browser = browserFetch(stack.url);
    const web = new BffClient({ baseUrl: stack.url, fetch: browser.fetch });
    const email = uniqueEmail('client-reset');
    await web.register(registration(email));
    const sent = await web.sendPasswordResetEmail(email);
    const hash = new URL(sent._debug_reset_url!).searchParams.get('reset_hash')!;
    await web.updatePassword({ hash, password: 'reset passphrase 1' });
    expect((await rejection(web.session())).code).toBe('SESSION_MISSING');
    expect((await rejection(web.updatePassword({ hash, password: 'reset passphrase 2' }))).code).toBe('RESET_HASH_INVALID');

    await web.login({ email, password: 'reset passphrase 1' });
    expect((await rejection(web.changePassword({ current_password: 'wrong one!', new_password: 'x'.repeat(12) }))).code).toBe(
      'INVALID_CREDENTIALS',
    );
    await web.changePassword({ current_password: 'reset passphrase 1', new_password: 'changed passphrase' });
    expect((await web.session()).customer.guest).toBe(false);

    const target = web.logoutRedirectUrl('https://shop.example/bye?x=1');
    expect(target).toBe(`${stack.url}/auth/logout/redirect?callback_url=${encodeURIComponent('https://shop.example/bye?x=1')}`);
  });
});
