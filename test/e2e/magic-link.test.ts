// Magic-link login end to end: request a link, read it from the dev-mode debug field (and the emulator's
// outbox), exchange the token for a session; used and unknown tokens are 400 MAGIC_LINK_INVALID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ emulator: { magicLinkUrl: 'https://shop.example/magic?token={token}' } });
});
afterAll(async () => {
  await stack.close();
});

describe('magic link', () => {
  it('sends a link and logs in with its token once', async () => {
    const email = uniqueEmail('magic');
    const browser = new Browser(stack.url);
    const sent = await browser.post('/auth/magic-link', { email: email.toUpperCase() });
    expect(sent.status).toBe(202);
    expect(stack.emulator.state.outbox.at(-1)).toMatchObject({ kind: 'magic-link', email });
    // Dev mode (the emulator is the upstream): the body carries the same link the e-mail does.
    expect(sent.body._debug_auth_link).toBe(stack.emulator.state.outbox.at(-1)!.link);
    const token = new URL(sent.body._debug_auth_link).searchParams.get('token')!;

    const login = await browser.post('/auth/magic-link/login', { token });
    expect(login.status).toBe(200);
    expect(login.body.customer.guest).toBe(false);
    expect((await browser.get('/auth/session')).status).toBe(200);

    const again = await new Browser(stack.url).post('/auth/magic-link/login', { token });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('MAGIC_LINK_INVALID');
  });

  it('answers 400 MAGIC_LINK_INVALID for an unknown token', async () => {
    const res = await new Browser(stack.url).post('/auth/magic-link/login', { token: 'nonsense' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MAGIC_LINK_INVALID');
  });
});

describe('magic link against a configured SCAYLE', () => {
  it('never returns _debug_auth_link, even when the upstream sends one', async () => {
    const live = await startStack({ sharedEmulator: stack.emulator, env: { SCAYLE_AUTH_BASE_URL: stack.emulator.url } });
    try {
      expect(live.config.devMode).toBe(false);
      const sent = await new Browser(live.url).post('/auth/magic-link', { email: uniqueEmail() });
      expect(sent.status).toBe(202);
      expect(sent.body).toEqual({});
    } finally {
      await live.close();
    }
  });
});
