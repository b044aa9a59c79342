// Upstream failure mapping over HTTP: SCAYLE answering 5xx, garbage, resets, slowly, or not at all, and
// an access token that fails JWKS verification. None of it may become a 500 or take the process down.
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { freePort } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { UPSTREAM_TIMEOUT_MS: '300' } });
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => stack.emulator.faults.clear());

const guest = () => ({ gender: 'd', first_name: 'A', last_name: 'B', email: uniqueEmail() });

describe('upstream failures', () => {
  it('maps an upstream 500 to 502 UPSTREAM_BAD_RESPONSE with a generic body', async () => {
    stack.emulator.faults.add({ endpoint: 'guest', status: 500, body: '{"error":"boom","message":"stack at x.js:1"}' });
    const res = await new Browser(stack.url).post('/auth/login/guest', guest());
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(res.text).not.toContain('stack at');
  });

  it('maps a malformed success body to 502', async () => {
    stack.emulator.faults.add({ endpoint: 'guest', status: 200, body: '{"access_token": ' });
    const res = await new Browser(stack.url).post('/auth/login/guest', guest());
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('maps a reset socket to 502', async () => {
    stack.emulator.faults.add({ endpoint: 'guest', reset: true });
    const res = await new Browser(stack.url).post('/auth/login/guest', guest());
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('maps a slow upstream to 504 UPSTREAM_TIMEOUT', async () => {
    stack.emulator.faults.add({ endpoint: 'guest', delayMs: 2_500, times: 1 });
    const res = await new Browser(stack.url).post('/auth/login/guest', guest());
    expect(res.status).toBe(504);
    expect(res.body.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('maps an upstream 503 to 503 UPSTREAM_UNAVAILABLE', async () => {
    stack.emulator.faults.add({ endpoint: 'login', status: 503, body: '{"error":"maintenance"}' });
    const res = await new Browser(stack.url).post('/auth/login', { email: uniqueEmail(), password: 'whatever-123' });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('rejects an access token that fails JWKS verification with 502 and stores no session', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ customerId: 1, jti: 'forged' })
      .setProtectedHeader({ alg: 'RS256', kid: 'attacker' })
      .setExpirationTime('5m')
      .sign(privateKey);
    stack.emulator.faults.add({
      endpoint: 'guest',
      status: 200,
      body: JSON.stringify({ token_type: 'Bearer', expires_in: 300, access_token: forged, refresh_token: 'r' }),
    });
    const browser = new Browser(stack.url);
    const res = await browser.post('/auth/login/guest', guest());
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(res.setCookies).toEqual([]);
  });

  it('keeps serving after all of that', async () => {
    const res = await new Browser(stack.url).post('/auth/login/guest', guest());
    expect(res.status).toBe(200);
  });
});

describe('an upstream that refuses connections', () => {
  it('answers 503 UPSTREAM_UNAVAILABLE', async () => {
    const port = await freePort();
    const dead = await startStack({
      env: { SCAYLE_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` },
      sharedEmulator: { ...stack.emulator, url: `http://127.0.0.1:${port}` },
    });
    try {
      const res = await new Browser(dead.url).post('/auth/login/guest', guest());
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('UPSTREAM_UNAVAILABLE');
      const ready = await new Browser(dead.url).get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.upstream).toBe('failing');
    } finally {
      await dead.close();
    }
  });
});
