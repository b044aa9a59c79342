// Request hygiene over HTTP: strict validation with stable codes, body limits, malformed JSON, request
// ids, problem+json everywhere, and the CSRF rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { ALLOWED_ORIGINS: 'https://shop.example' } });
});
afterAll(async () => {
  await stack.close();
});

const register = (email = uniqueEmail()) => ({ gender: 'm', first_name: 'A', last_name: 'B', email, password: 'long enough password' });

describe('validation', () => {
  it('rejects unknown fields, naming them and never echoing values', async () => {
    const res = await new Browser(stack.url).post('/auth/login', { email: uniqueEmail(), password: 'secret-value-123', shop_id: 99 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ path: 'shop_id', message: 'Unknown field' }]);
    expect(res.text).not.toContain('secret-value-123');
  });

  it('names every invalid field of a registration', async () => {
    const res = await new Browser(stack.url).post('/auth/register', {
      gender: 'q',
      first_name: '',
      last_name: 'x'.repeat(101),
      email: 'not-an-email',
      password: 'short',
    });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['email', 'first_name', 'gender', 'last_name', 'password']);
    expect(res.text).not.toContain('not-an-email');
  });

  it('answers malformed JSON with 400 INVALID_JSON as problem+json with the request id', async () => {
    const res = await new Browser(stack.url).call('POST', '/auth/login', {
      rawBody: '{"email": ',
      headers: { 'x-request-id': 'trace-abc.123' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INVALID_JSON', status: 400, request_id: 'trace-abc.123' });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
  });

  it('answers a body over 16 KiB with 413 BODY_TOO_LARGE', async () => {
    const res = await new Browser(stack.url).post('/auth/login', { email: uniqueEmail(), password: 'x'.repeat(17 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('BODY_TOO_LARGE');
  });

  it('answers a missing body with 400, never 500', async () => {
    const res = await new Browser(stack.url).post('/auth/login');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('answers an unsupported content type with 415', async () => {
    const res = await new Browser(stack.url).call('POST', '/auth/login', {
      rawBody: 'email=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers unknown routes with 404 NOT_FOUND as problem+json', async () => {
    const res = await new Browser(stack.url).get('/auth/nope');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });
});

describe('request ids', () => {
  it('generates an id when none or an insane one is sent, and forwards it upstream', async () => {
    const plain = await new Browser(stack.url).get('/health/live');
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const insane = await new Browser(stack.url).get('/health/live', { headers: { 'x-request-id': 'bad id with spaces\u00e9' } });
    expect(insane.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    await new Browser(stack.url).post(
      '/auth/login/guest',
      { gender: 'f', first_name: 'A', last_name: 'B', email: uniqueEmail() },
      { headers: { 'x-request-id': 'corr-42' } },
    );
    expect(stack.emulator.state.lastRequestIds?.('guest') ?? []).toContain('corr-42');
  });
});

describe('CSRF', () => {
  it('lets server-to-server calls (no cookie, no Origin) through', async () => {
    const res = await new Browser(stack.url).post('/auth/register', register(), { csrf: false });
    expect(res.status).toBe(201);
  });

  it('rejects a login from a foreign origin', async () => {
    const res = await new Browser(stack.url, 'https://evil.example').post('/auth/register', register());
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_REJECTED');
  });

  it('accepts an allowed origin, and rejects it without x-requested-with', async () => {
    const browser = new Browser(stack.url, 'https://shop.example');
    expect((await browser.post('/auth/register', register())).status).toBe(201);
    const res = await browser.call('POST', '/auth/token', { csrf: false, headers: { origin: 'https://shop.example' } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_REJECTED');
    const withXCsrf = await browser.call('POST', '/auth/token', {
      csrf: false,
      headers: { origin: 'https://shop.example', 'x-csrf': '1' },
    });
    expect(withXCsrf.status).toBe(200);
  });

  it('rejects a cookie-carrying POST without any origin evidence, and does not act on it', async () => {
    const browser = new Browser(stack.url);
    await browser.post('/auth/register', register());
    const logout = await browser.call('POST', '/auth/logout', { csrf: false, headers: { 'x-requested-with': 'XMLHttpRequest' } });
    expect(logout.status).toBe(403);
    expect((await browser.get('/auth/session')).status).toBe(200);
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const ok = await new Browser(stack.url).call('OPTIONS', '/auth/login', {
      csrf: false,
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers['content-length']).toBe('0');
    expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    expect(ok.headers['access-control-allow-methods']).toBe('GET, POST, DELETE');
    expect(ok.headers['access-control-allow-headers']).toBe(
      'content-type, x-requested-with, x-csrf, x-request-id, x-client-key, authorization',
    );
    expect(ok.headers['access-control-max-age']).toBe('600');
    expect(ok.headers.vary).toBe('Origin');
    // Any path: the preflight is answered before routing says anything about the resource.
    const unknownPath = await new Browser(stack.url).call('OPTIONS', '/no/such/route', {
      csrf: false,
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' },
    });
    expect(unknownPath.status).toBe(204);
    const evil = await new Browser(stack.url).call('OPTIONS', '/auth/login', {
      csrf: false,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('adds CORS headers to actual requests from allowed origins only, and always varies by Origin', async () => {
    const allowed = await new Browser(stack.url).get('/auth/session', { headers: { origin: 'https://shop.example' } });
    expect(allowed.status).toBe(401);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    expect(allowed.headers['access-control-expose-headers']).toBe('x-request-id, retry-after');
    expect(allowed.headers.vary).toBe('Origin');
    for (const headers of [{ origin: 'https://evil.example' }, {}] as Array<Record<string, string>>) {
      const other = await new Browser(stack.url).get('/auth/session', { headers });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      expect(other.headers['access-control-allow-credentials']).toBeUndefined();
      expect(other.headers['access-control-expose-headers']).toBeUndefined();
      expect(other.headers.vary).toBe('Origin');
    }
  });
});

describe('bodiless POSTs', () => {
  it('accept an empty body sent with content-type: application/json, and reject JSON with __proto__', async () => {
    const browser = new Browser(stack.url);
    await browser.post('/auth/register', register());
    const token = await browser.call('POST', '/auth/token', { rawBody: '', headers: { 'content-type': 'application/json' } });
    expect(token.status).toBe(200);
    const poisoned = await new Browser(stack.url).call('POST', '/auth/login', {
      rawBody: '{"__proto__": {"admin": true}, "email": "a@b.c", "password": "x"}',
    });
    expect(poisoned.status).toBe(400);
    expect(poisoned.headers['x-request-id']).toBeDefined();
  });
});
