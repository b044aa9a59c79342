// SCAYLE single sign-on end to end, over HTTP against the emulator (SCAYLE and its fake IdP) and Redis:
// start → SCAYLE → IdP page → SCAYLE → callback → session → return_to; replayed and foreign-browser
// callbacks die before any code exchange; several tabs finish in any order without piling up cookies.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, parseSetCookie, uniqueEmail, type Reply } from '../helpers/http.js';
import { answerIdp, startSso, type SsoTab } from '../helpers/sso-browser.js';
import { startStack, type Stack } from '../helpers/stack.js';

const RETURN_TO = 'https://shop.test/account';
const ERROR_PAGE = 'https://shop.test/login-failed';
let skewMs = 0;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: { SOCIAL_PROVIDERS: 'google,apple', SOCIAL_REDIRECT_URIS: `${RETURN_TO},${ERROR_PAGE},https://shop.test/other` },
    overrides: { now: () => Date.now() + skewMs },
  });
  // As SCAYLE does: only the shop's registered callback is accepted.
  stack.emulator.setOptions({ externalCallbackUrls: [`${stack.url}/auth/social/callback`] });
});
afterAll(async () => {
  await stack.close();
});

const exchanges = () => stack.emulator.state.calls('token.code');
const ssoCookies = (browser: Browser) => [...browser.cookies.keys()].filter((name) => name.startsWith('bff_sso_'));
const startPath = (provider = 'google', returnTo = RETURN_TO, extra = '') =>
  `/auth/social/${provider}?return_to=${encodeURIComponent(returnTo)}${extra}`;
const emu = () => stack.emulator.url;

describe('SSO round trip', () => {
  it('logs the browser in through SCAYLE and the IdP, ending the old session, and lands on return_to', async () => {
    const browser = new Browser(stack.url);
    expect((await browser.post('/auth/login/guest', { gender: 'f', first_name: 'G', last_name: 'U', email: uniqueEmail() })).status).toBe(
      200,
    );
    const oldSession = browser.cookies.get('bff_session')!;

    const tab = await startSso(browser, emu(), startPath());
    const location = new URL(String(tab.start.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe(`${emu()}/v1/auth/external/redirect`);
    expect(location.searchParams.get('shopId')).toBe('7');
    const claims = decodeJwt(location.searchParams.get('jwt')!);
    expect(claims).toMatchObject({ idpKey: 'google', clientId: 'test-client' });
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(15 * 60);
    const callback = new URL(String(claims.callbackUrl));
    expect(`${callback.origin}${callback.pathname}`).toBe(`${stack.url}/auth/social/callback`);
    expect(callback.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stateCookie = parseSetCookie(tab.start.setCookies.find((line) => line.startsWith('bff_sso_'))!);
    expect(stateCookie.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/auth/social' });
    expect(Number(stateCookie.attributes['max-age'])).toBeLessThanOrEqual(600);

    const callbackUrl = await answerIdp(emu(), tab, { email: 'round-trip@idp.example.test' });
    const before = exchanges();
    const done = await browser.get(callbackUrl);
    expect(done.status, done.text).toBe(302);
    expect(done.headers.location).toBe(RETURN_TO);
    expect(exchanges()).toBe(before + 1);
    expect(ssoCookies(browser)).toEqual([]);
    expect(browser.cookies.get('bff_session')).not.toBe(oldSession);

    const session = await browser.get('/auth/session');
    expect(session.status).toBe(200);
    expect(session.body.customer.guest).toBe(false);
    // The one-time code, the state, its cookie and the new session id never reach a log line.
    const logs = stack.logs.join('\n');
    const secrets = [
      new URL(callbackUrl).searchParams.get('code')!,
      callback.searchParams.get('state')!,
      stateCookie.value,
      browser.cookies.get('bff_session')!,
    ];
    for (const secret of secrets) expect(logs).not.toContain(secret);
    const customer = stack.emulator.state.customers.get(Number(session.body.customer.id));
    expect(customer?.email).toBe('round-trip@idp.example.test');
    // The session the browser had before is gone, not merely replaced in the jar.
    const old = new Browser(stack.url);
    old.cookies.set('bff_session', oldSession);
    expect((await old.get('/auth/session')).status).toBe(401);
  });

  it('rejects a replayed callback, with or without the state cookie, without exchanging the code again', async () => {
    const browser = new Browser(stack.url);
    const tab = await startSso(browser, emu(), startPath());
    const stolenCookies = new Map(browser.cookies);
    const callbackUrl = await answerIdp(emu(), tab);
    expect((await browser.get(callbackUrl)).status).toBe(302);
    const after = exchanges();

    const replay = await browser.get(callbackUrl);
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('SOCIAL_STATE_INVALID');
    expect(replay.headers['content-type']).toMatch(/^application\/problem\+json/);

    const attacker = new Browser(stack.url);
    for (const [name, value] of stolenCookies) attacker.cookies.set(name, value);
    const withCookie = await attacker.get(callbackUrl);
    expect(withCookie.status).toBe(400);
    expect(withCookie.body.code).toBe('SOCIAL_STATE_INVALID');
    expect(exchanges()).toBe(after);
  });

  it("rejects a callback in a browser that did not start the flow, and leaves the starter's flow usable", async () => {
    const victim = new Browser(stack.url);
    const callbackUrl = await answerIdp(emu(), await startSso(victim, emu(), startPath()));
    const before = exchanges();
    const foreign = await new Browser(stack.url).get(callbackUrl);
    expect(foreign.status).toBe(400);
    expect(foreign.body.code).toBe('SOCIAL_STATE_INVALID');
    expect(foreign.setCookies.filter((line) => line.startsWith('bff_session='))).toEqual([]);
    expect(exchanges()).toBe(before);

    expect((await victim.get(callbackUrl)).status).toBe(302);
    expect(exchanges()).toBe(before + 1);
  });

  it('rejects a missing state, a forged state cookie and an expired flow without an upstream call', async () => {
    const browser = new Browser(stack.url);
    const tab = await startSso(browser, emu(), startPath());
    const callbackUrl = await answerIdp(emu(), tab);
    const before = exchanges();

    const noState = new URL(callbackUrl);
    noState.searchParams.delete('state');
    expect((await browser.get(noState.toString())).body.code).toBe('SOCIAL_STATE_INVALID');

    const forger = new Browser(stack.url);
    const [name, value] = [...browser.cookies].find(([n]) => n.startsWith('bff_sso_'))!;
    const [payload, signature] = value.split('.');
    const altered = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    altered.r = 'https://shop.test/other';
    forger.cookies.set(name, `${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`);
    expect((await forger.get(callbackUrl)).body.code).toBe('SOCIAL_STATE_INVALID');

    skewMs = 10 * 60 * 1000 + 1000;
    try {
      const expired = await browser.get(callbackUrl);
      expect(expired.status).toBe(400);
      expect(expired.body.code).toBe('SOCIAL_STATE_INVALID');
    } finally {
      skewMs = 0;
    }
    expect(exchanges()).toBe(before);
  });

  it('answers 400 SOCIAL_CODE_INVALID for a code SCAYLE rejects, after exactly one exchange', async () => {
    const browser = new Browser(stack.url);
    const callbackUrl = new URL(await answerIdp(emu(), await startSso(browser, emu(), startPath())));
    callbackUrl.searchParams.set('code', 'not-a-code');
    const before = exchanges();
    const res = await browser.get(callbackUrl.toString());
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('SOCIAL_CODE_INVALID');
    expect(exchanges()).toBe(before + 1);
    expect(browser.cookies.has('bff_session')).toBe(false);
  });
});

describe('SSO start', () => {
  it('answers 404 PROVIDER_UNKNOWN for a provider the shop did not configure (even one SCAYLE knows)', async () => {
    const res = await new Browser(stack.url).get(startPath('facebook'));
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('PROVIDER_UNKNOWN');
  });

  it('answers 400 REDIRECT_NOT_ALLOWED unless return_to (and error_return_to) are exactly on the list', async () => {
    const browser = new Browser(stack.url);
    for (const returnTo of ['https://shop.test/account/x', 'https://shop.test.evil.test/account', 'http://shop.test/account', '/account']) {
      const res = await browser.get(startPath('google', returnTo));
      expect(res.status, returnTo).toBe(400);
      expect(res.body.code).toBe('REDIRECT_NOT_ALLOWED');
    }
    expect((await browser.get('/auth/social/google')).body.code).toBe('REDIRECT_NOT_ALLOWED');
    const badError = await browser.get(startPath('google', RETURN_TO, `&error_return_to=${encodeURIComponent('https://evil.test/')}`));
    expect(badError.body.code).toBe('REDIRECT_NOT_ALLOWED');
    expect(ssoCookies(browser)).toEqual([]);
    // Query parameters of the storefront's own survive the allow-list and the round trip.
    expect((await browser.get(startPath('google', `${RETURN_TO}?tab=orders`))).status).toBe(302);
  });
});

describe('several tabs', () => {
  it('finishes three interleaved flows in any order, each with a new session', async () => {
    const browser = new Browser(stack.url);
    const tabs: SsoTab[] = [];
    for (const returnTo of [RETURN_TO, 'https://shop.test/other', `${RETURN_TO}?tab=3`])
      tabs.push(await startSso(browser, emu(), startPath('google', returnTo)));
    expect(ssoCookies(browser)).toHaveLength(3);
    const callbacks: string[] = [];
    for (const [i, tab] of tabs.entries()) callbacks.push(await answerIdp(emu(), tab, { email: `tab${i}@idp.example.test` }));

    const sessions: string[] = [];
    for (const i of [1, 2, 0]) {
      const done = await browser.get(callbacks[i]!);
      expect(done.status, done.text).toBe(302);
      expect(done.headers.location).toBe([RETURN_TO, 'https://shop.test/other', `${RETURN_TO}?tab=3`][i]);
      sessions.push(browser.cookies.get('bff_session')!);
      const who = await browser.get('/auth/session');
      expect(stack.emulator.state.customers.get(Number(who.body.customer.id))?.email).toBe(`tab${i}@idp.example.test`);
    }
    expect(new Set(sessions).size).toBe(3);
    expect(ssoCookies(browser)).toEqual([]);
  });

  it('keeps at most five pending flows, dropping the oldest, however many are abandoned', async () => {
    const browser = new Browser(stack.url);
    const starts: Reply[] = [];
    for (let i = 0; i < 8; i += 1) {
      starts.push(await browser.get(startPath()));
      expect(ssoCookies(browser).length).toBeLessThanOrEqual(5);
    }
    expect(ssoCookies(browser)).toHaveLength(5);
    // The newest flow still works, the oldest was dropped.
    const stateOf = (i: number) =>
      new URL(String(decodeJwt(new URL(String(starts[i]!.headers.location)).searchParams.get('jwt')!).callbackUrl)).searchParams.get(
        'state',
      );
    const oldest = await browser.get(`/auth/social/callback?state=${stateOf(0)}&code=x`);
    expect(oldest.body.code).toBe('SOCIAL_STATE_INVALID');
  });
});

describe('errors as pages (error_return_to)', () => {
  const withErrorPage = startPath('google', RETURN_TO, `&error_return_to=${encodeURIComponent(ERROR_PAGE)}`);

  it('sends a cancelled IdP login to error_return_to?error=SOCIAL_CODE_INVALID', async () => {
    const browser = new Browser(stack.url);
    const callbackUrl = await answerIdp(emu(), await startSso(browser, emu(), withErrorPage), { cancel: true });
    const before = exchanges();
    const res = await browser.get(callbackUrl);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${ERROR_PAGE}?error=SOCIAL_CODE_INVALID`);
    expect(exchanges()).toBe(before);
  });

  it('sends a replay (genuine but used state) to error_return_to?error=SOCIAL_STATE_INVALID', async () => {
    const browser = new Browser(stack.url);
    const tab = await startSso(browser, emu(), withErrorPage);
    const kept = new Map(browser.cookies);
    const callbackUrl = await answerIdp(emu(), tab);
    expect((await browser.get(callbackUrl)).headers.location).toBe(RETURN_TO);
    const replayer = new Browser(stack.url);
    for (const [name, value] of kept) replayer.cookies.set(name, value);
    const res = await replayer.get(callbackUrl);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${ERROR_PAGE}?error=SOCIAL_STATE_INVALID`);
  });
});

describe('SSO against a configured SCAYLE', () => {
  it('builds the callback from PUBLIC_BASE_URL and uses __Secure- state cookies when cookies are secure', async () => {
    const live = await startStack({
      sharedEmulator: stack.emulator,
      memory: true,
      env: {
        SCAYLE_AUTH_BASE_URL: stack.emulator.url,
        SOCIAL_PROVIDERS: 'google',
        SOCIAL_REDIRECT_URIS: RETURN_TO,
        PUBLIC_BASE_URL: 'https://bff.example.test/auth-bff',
        SESSION_COOKIE_SECURE: 'true',
      },
    });
    try {
      const res = await new Browser(live.url).get(startPath());
      expect(res.status).toBe(302);
      const jwt = new URL(String(res.headers.location)).searchParams.get('jwt')!;
      expect(String(decodeJwt(jwt).callbackUrl)).toMatch(
        /^https:\/\/bff\.example\.test\/auth-bff\/auth\/social\/callback\?state=[\w-]{43}$/,
      );
      const cookie = parseSetCookie(res.setCookies[0]!);
      expect(cookie.name).toMatch(/^__Secure-bff_sso_/);
      expect(cookie.attributes.secure).toBe(true);
    } finally {
      await live.close();
    }
  });
});
