// The demo storefront page in a real browser (Debian's Chromium through playwright-core): every flow
// clicked through, and nothing secret within the page's reach: no readable session cookie, no refresh
// token in any response it got or in web storage, and no console errors (CSP violations included).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let stack: Stack;
let context: BrowserContext;
let userDataDir: string;
beforeAll(async () => {
  // A missing browser is a broken environment, not a reason to skip: .ci/run installs it.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it (apt-get install -y chromium) to run the browser test`);
  // Dev mode: SSO needs only a provider; the demo page is its own return_to and error page.
  stack = await startStack({ env: { SOCIAL_PROVIDERS: 'google' } });
  // Short-lived access tokens, so "refresh" really goes to SCAYLE and rotates the refresh token.
  stack.emulator.setOptions({ magicLinkUrl: `${stack.url}/demo/?magic_token={token}`, accessTokenTtlSeconds: 25 });
  userDataDir = await mkdtemp(join(tmpdir(), 'bff-demo-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS });
}, 60_000);
afterAll(async () => {
  await context?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await stack?.close();
});

interface Observed {
  bodies: Array<Promise<string>>;
  failures: string[];
  consoleErrors: Array<{ text: string; url: string }>;
}

function observe(page: Page): Observed {
  const observed: Observed = { bodies: [], failures: [], consoleErrors: [] };
  page.on('response', (response) => {
    if (response.status() >= 400)
      observed.failures.push(`${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`);
    // Redirects have no body to read.
    observed.bodies.push(
      response.body().then(
        (b) => b.toString('utf8'),
        () => '',
      ),
    );
  });
  page.on('console', (message) => {
    if (message.type() === 'error') observed.consoleErrors.push({ text: message.text(), url: message.location().url });
  });
  page.on('pageerror', (error) => observed.consoleErrors.push({ text: `uncaught: ${error.message}`, url: '' }));
  return observed;
}

/** Runs one UI action and waits for the page to report it finished; fails with the page's error text. */
async function act(page: Page, name: string, trigger: () => Promise<void>): Promise<void> {
  // Strings, not functions: they run in the page, and this project compiles without the DOM library.
  await page.evaluate('delete document.body.dataset.last');
  await trigger();
  await page.waitForSelector(`body[data-last^="${name}:"]`);
  const last = await page.getAttribute('body', 'data-last');
  expect(last, (await page.textContent('#error')) ?? '').toBe(`${name}:ok`);
}

async function expectNoReadableSecrets(page: Page): Promise<void> {
  const seen = await page.evaluate<{ cookie: string; storage: string[] }>(
    '({ cookie: document.cookie, storage: [...Object.values(localStorage), ...Object.values(sessionStorage)] })',
  );
  expect(seen.cookie).not.toContain(stack.config.session.cookieName);
  expect(seen.storage).toEqual([]);
}

const stateOf = (page: Page) => page.getAttribute('#state', 'data-state');

describe('demo storefront page', () => {
  it('registers, refreshes, lists sessions, logs out, logs in as customer and guest and by magic link', async () => {
    const page = await context.newPage();
    const observed = observe(page);
    const cookieName = stack.config.session.cookieName;

    const opened = await page.goto(`${stack.url}/demo`);
    expect(page.url()).toBe(`${stack.url}/demo/`);
    expect(opened?.headers()['content-security-policy']).toMatch(/script-src 'self' 'sha256-/);
    await page.waitForSelector('body[data-last="load:ok"]');
    expect(await stateOf(page)).toBe('anonymous');

    const email = uniqueEmail('demo');
    await page.fill('#register-email', email);
    await act(page, 'register', () => page.click('#register-form button[type=submit]'));
    expect(await stateOf(page)).toBe('customer');
    expect(await page.textContent('#token-expiry')).toMatch(/^\d{4}-\d\d-\d\dT.*\(in \d+ s\)$/);
    expect(await page.textContent('#session-expiry')).toMatch(/^\d{4}-/);
    const cookie = (await context.cookies()).find((c) => c.name === cookieName);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await expectNoReadableSecrets(page);

    const refreshes = stack.emulator.state.calls('token.refresh');
    await act(page, 'refresh', () => page.click('#refresh-button'));
    expect(stack.emulator.state.calls('token.refresh')).toBe(refreshes + 1);

    await act(page, 'sessions', () => page.click('#sessions-button'));
    expect(await page.locator('#sessions li').allTextContents()).toEqual([expect.stringMatching(/^\(this browser\) started /)]);

    await act(page, 'logout', () => page.click('#logout-button'));
    expect(await stateOf(page)).toBe('anonymous');
    expect((await context.cookies()).some((c) => c.name === cookieName)).toBe(false);

    expect(await page.inputValue('#login-email')).toBe(email);
    await act(page, 'login', () => page.click('#login-form button[type=submit]'));
    expect(await stateOf(page)).toBe('customer');
    await act(page, 'logout', () => page.click('#logout-button'));

    await act(page, 'guest', () => page.click('#guest-form button[type=submit]'));
    expect(await stateOf(page)).toBe('guest');
    await expectNoReadableSecrets(page);

    // The e-mailed link opens this page with ?magic_token=, which logs in and leaves the address bar.
    expect(await page.inputValue('#magic-email')).toBe(email);
    await act(page, 'magic-link', () => page.click('#magic-form button[type=submit]'));
    await Promise.all([page.waitForURL(/magic_token=/), page.click('#magic-link')]);
    await page.waitForSelector('body[data-last]');
    expect(await page.getAttribute('body', 'data-last'), (await page.textContent('#error')) ?? '').toBe('magic-login:ok');
    expect(page.url()).toBe(`${stack.url}/demo/`);
    expect(await stateOf(page)).toBe('customer');
    await act(page, 'session', () => page.click('#session-button'));
    expect(await page.textContent('#state')).toContain('Customer');
    await expectNoReadableSecrets(page);

    // Nothing the page received carries a refresh token (the emulator knows every one it issued).
    const refreshTokens = [...stack.emulator.state.refreshTokens.keys()];
    expect(refreshTokens.length).toBeGreaterThan(3);
    const bodies = await Promise.all(observed.bodies);
    expect(bodies.length).toBeGreaterThan(10);
    for (const token of refreshTokens) expect(bodies.filter((b) => b.includes(token))).toEqual([]);

    // The one expected failure is the anonymous session check at first load, which Chromium logs.
    expect(observed.failures).toEqual(['GET /auth/session 401']);
    const unexpected = observed.consoleErrors.filter(
      (e) => !(e.text.startsWith('Failed to load resource: the server responded with a status of 401') && e.url.endsWith('/auth/session')),
    );
    expect(unexpected).toEqual([]);
    await page.close();
  }, 60_000);
});

// --- issue 15: account recovery on the demo page ---
describe('demo storefront page: account recovery', () => {
  it('resets a forgotten password through the outbox link, changes it, and logs out everywhere through SCAYLE', async () => {
    const page = await context.newPage();
    const observed = observe(page);
    const cookieName = stack.config.session.cookieName;
    await page.goto(`${stack.url}/demo/`);
    await page.waitForSelector('body[data-last="load:ok"]');
    const email = uniqueEmail('demo-reset');
    await page.fill('#register-email', email);
    await act(page, 'register', () => page.click('#register-form button[type=submit]'));
    expect(await page.inputValue('#forgot-email')).toBe(email);

    // Dev mode: the page shows the link the reset e-mail holds (from the emulator's outbox).
    await act(page, 'forgot-password', () => page.click('#forgot-form button[type=submit]'));
    expect(await page.getAttribute('#reset-link', 'href')).toBe(stack.emulator.state.outbox.at(-1)!.link);
    await Promise.all([page.waitForURL(/reset_hash=/), page.click('#reset-link')]);
    await page.waitForSelector('body[data-last="load:ok"]');
    // The hash left the address bar at once; the form to set a new password is shown.
    expect(page.url()).toBe(`${stack.url}/demo/`);
    expect(await page.isVisible('#reset-form')).toBe(true);
    await page.fill('#reset-form input[name=password]', 'demo reset passphrase');
    await act(page, 'reset-password', () => page.click('#reset-form button[type=submit]'));
    expect(await stateOf(page)).toBe('anonymous');
    // Every session of the customer ended, this browser's too.
    await page.evaluate('delete document.body.dataset.last');
    await page.click('#session-button');
    await page.waitForSelector('body[data-last="session:error"]');

    await page.fill('#login-email', email);
    await page.fill('#login-form input[name=password]', 'demo reset passphrase');
    await act(page, 'login', () => page.click('#login-form button[type=submit]'));
    await page.fill('#change-form input[name=current_password]', 'demo reset passphrase');
    await page.fill('#change-form input[name=new_password]', 'demo changed passphrase');
    await act(page, 'change-password', () => page.click('#change-form button[type=submit]'));
    await act(page, 'session', () => page.click('#session-button'));
    expect(await stateOf(page)).toBe('customer');
    const access = (await new Browser(stack.url).post('/auth/login', { email, password: 'demo changed passphrase' })).body.access_token;
    expect(typeof access).toBe('string');

    // Log out everywhere: to SCAYLE's logout redirect and back to this page, logged out.
    await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${stack.emulator.url}/v1/auth/logout/redirect`)),
      page.click('#logout-everywhere-button'),
    ]);
    await page.waitForURL(`${stack.url}/demo/`);
    await page.waitForSelector('body[data-last="load:ok"]');
    expect(await stateOf(page)).toBe('anonymous');
    expect((await context.cookies()).some((c) => c.name === cookieName)).toBe(false);
    await expectNoReadableSecrets(page);
    expect(observed.consoleErrors.filter((e) => /Content Security Policy|uncaught/.test(e.text))).toEqual([]);
    await page.close();
  }, 60_000);
});
// --- end issue 15 ---
describe('demo storefront page: Log in with <provider>', () => {
  it("goes through SCAYLE and the emulator's IdP page and comes back logged in; a cancelled login shows its error", async () => {
    const page = await context.newPage();
    const observed = observe(page);
    await page.goto(`${stack.url}/demo/`);
    await page.waitForSelector('body[data-last="load:ok"]');
    expect(await page.textContent('#social-button')).toBe('Log in with google');

    await Promise.all([page.waitForURL(/\/idp\/login\?flow=/), page.click('#social-button')]);
    await page.fill('#idp-email', 'demo-sso@idp.example.test');
    await Promise.all([page.waitForURL(`${stack.url}/demo/`), page.click('#idp-login')]);
    await page.waitForSelector('body[data-last]');
    expect(await page.getAttribute('body', 'data-last'), (await page.textContent('#error')) ?? '').toBe('sso-login:ok');
    expect(await stateOf(page)).toBe('customer');
    const shown = (await page.textContent('#state')) ?? '';
    const customer = [...stack.emulator.state.customers.values()].find((c) => c.email === 'demo-sso@idp.example.test');
    expect(shown).toContain(`Customer ${customer?.id}`);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === stack.config.session.cookieName)).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(cookies.filter((c) => c.name.startsWith('bff_sso_'))).toEqual([]);
    await expectNoReadableSecrets(page);

    await Promise.all([page.waitForURL(/\/idp\/login\?flow=/), page.click('#social-button')]);
    await Promise.all([page.waitForURL(`${stack.url}/demo/`), page.click('#idp-cancel')]);
    await page.waitForSelector('body[data-last]');
    expect(await page.getAttribute('body', 'data-last')).toBe('sso-login:error');
    expect(await page.textContent('#error')).toContain('SOCIAL_CODE_INVALID');

    expect(observed.failures.filter((f) => f !== 'GET /auth/session 401')).toEqual([]);
    expect(observed.consoleErrors.filter((e) => !e.text.startsWith('Failed to load resource'))).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('demo routes', () => {
  it('serve the client as JavaScript in dev mode, and do not exist against a configured SCAYLE', async () => {
    const script = await new Browser(stack.url).get('/demo/bff-client.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.text).toContain('export class BffClient');
    expect(script.text).not.toMatch(/^\s*import\s/m);

    const live = await startStack({ sharedEmulator: stack.emulator, env: { SCAYLE_AUTH_BASE_URL: stack.emulator.url } });
    try {
      expect(live.config.devMode).toBe(false);
      for (const path of ['/demo', '/demo/', '/demo/bff-client.js']) expect((await new Browser(live.url).get(path)).status, path).toBe(404);
    } finally {
      await live.close();
    }
  });
});
