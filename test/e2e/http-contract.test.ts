// Every answer in the contract's shape (bff-api.md "Methods and bodies"), tried from outside the way a
// fuzzer does: wrong methods, non-JSON bodies, bodies on bodiless routes, undecodable URLs, requests
// Node's parser rejects, bad preflights, and URL guessing, which is rate-limited.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail, type Reply } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let limited: Stack; // a per-IP budget of 3 a minute
beforeAll(async () => {
  stack = await startStack({ memory: true, env: { ALLOWED_ORIGINS: 'https://shop.example' } });
  limited = await startStack({ memory: true, sharedEmulator: stack.emulator, env: { RATE_LIMIT_IP_PER_MINUTE: '3' } });
});
afterAll(async () => {
  await limited?.close();
  await stack?.close();
});

function expectProblem(res: Pick<Reply, 'status' | 'headers' | 'body'>, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code });
  expect(res.headers['x-request-id']).toBe(res.body.request_id);
}

/** Writes `request` on a fresh connection and reads the answer until the server closes it. */
async function raw(request: string): Promise<Pick<Reply, 'status' | 'headers' | 'body'>> {
  const { hostname, port } = new URL(stack.url);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
}

const guest = () => ({ gender: 'n', first_name: 'H', last_name: 'Ttp', email: uniqueEmail('http') });

describe('methods', () => {
  it('answers a known path called with another method 405 METHOD_NOT_ALLOWED, naming the methods it serves', async () => {
    const browser = new Browser(stack.url);
    const cases: Array<[string, string, string]> = [
      ['GET', '/auth/login', 'POST'],
      ['PUT', '/auth/token', 'POST'],
      ['POST', '/health/live', 'GET, HEAD'],
      ['DELETE', '/auth/session', 'GET, HEAD'],
      ['PATCH', '/auth/sessions/some-handle', 'DELETE'],
      ['POST', '/auth/sessions', 'DELETE, GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await browser.call(method, path, { csrf: false });
      expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow, `${method} ${path}`).toBe(allow);
    }
  });

  it('still answers an unknown path 404, whatever the method', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      expectProblem(await new Browser(stack.url).call(method, '/auth/nothing-here', { csrf: false }), 404, 'NOT_FOUND');
    }
  });
});

describe('bodies', () => {
  it('answers every non-JSON body on a JSON route 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const res = await new Browser(stack.url).call('POST', '/auth/login', {
        rawBody: '{"email":"a@b.example","password":"x"}',
        headers: { 'content-type': type },
      });
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    // And a body without any content-type.
    const untyped = 'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}';
    expectProblem(await raw(untyped), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('lets bodiless routes take no body, an empty one or {}, and refuses anything else with 400', async () => {
    const browser = new Browser(stack.url);
    expect((await browser.post('/auth/login/guest', guest())).status).toBe(200);
    const accepted = [{}, { rawBody: '' }, { body: {} }, { rawBody: '', headers: { 'content-type': 'text/plain;charset=UTF-8' } }];
    for (const options of accepted) expect((await browser.call('POST', '/auth/token', options)).status, JSON.stringify(options)).toBe(200);
    expect((await browser.call('GET', '/auth/session', { body: {} })).status).toBe(200);

    const refused: Array<[string, string, Parameters<Browser['call']>[2]]> = [
      ['POST', '/auth/token', { body: { refresh: true } }],
      ['POST', '/auth/token', { body: [] }],
      ['POST', '/auth/token', { rawBody: 'x', headers: { 'content-type': 'text/plain' } }],
      ['POST', '/auth/logout', { rawBody: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['GET', '/auth/session', { body: { a: 1 } }],
      ['DELETE', '/auth/sessions', { body: 'all' }],
    ];
    for (const [method, path, options] of refused) {
      const res = await browser.call(method, path, options);
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors).toEqual([{ path: '(body)', message: expect.any(String) }]);
    }
    // Nothing was acted on: the session is still there.
    expect((await browser.get('/auth/session')).status).toBe(200);
  });
});

describe('failures before any route runs', () => {
  it('answers an undecodable URL 400 BAD_REQUEST, and an over-long path parameter 414 URI_TOO_LONG', async () => {
    const browser = new Browser(stack.url);
    const badUrl = await browser.call('POST', '/auth/sessions/%ff%ff%ff', { headers: { 'x-request-id': 'bad-url-1' } });
    expectProblem(badUrl, 400, 'BAD_REQUEST');
    expect(badUrl.body.request_id).toBe('bad-url-1');
    expectProblem(await browser.call('DELETE', '/auth/sessions/%E0%A4%A'), 400, 'BAD_REQUEST');
    expectProblem(await browser.call('DELETE', `/auth/sessions/${'a'.repeat(1025)}`), 414, 'URI_TOO_LONG');
  });

  it('answers requests Node’s parser rejects as problem+json: bad header, bad method, header block too large', async () => {
    const live = 'GET /health/live HTTP/1.1\r\nHost: x\r\n';
    expectProblem(await raw(`${live}Bad Header: y\r\n\r\n`), 400, 'BAD_REQUEST');
    expectProblem(await raw('FROBNICATE /health/live HTTP/1.1\r\nHost: x\r\n\r\n'), 400, 'BAD_REQUEST');
    expectProblem(
      await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello'),
      400,
      'BAD_REQUEST',
    );
    expectProblem(await raw(`${live}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'HEADERS_TOO_LARGE');
  });

  it('answers CORS preflight rejections as problem+json', async () => {
    const preflight = (headers: Record<string, string>) => new Browser(stack.url).call('OPTIONS', '/auth/login', { csrf: false, headers });
    expectProblem(await preflight({}), 400, 'CORS_PREFLIGHT_INVALID');
    expectProblem(await preflight({ origin: 'https://shop.example' }), 400, 'CORS_PREFLIGHT_INVALID');
    expectProblem(await preflight({ 'access-control-request-method': 'POST' }), 400, 'CORS_PREFLIGHT_INVALID');
    const foreign = await preflight({ origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expectProblem(foreign, 403, 'CSRF_REJECTED');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const allowed = await preflight({ origin: 'https://shop.example', 'access-control-request-method': 'POST' });
    expect(allowed.status).toBe(204);
  });
});

describe('guessing URLs', () => {
  it('is rate-limited per IP: 404s and 405s share a budget, counted before the body is read', async () => {
    const browser = new Browser(limited.url);
    expectProblem(await browser.get('/admin'), 404, 'NOT_FOUND');
    expectProblem(await browser.get('/auth/login'), 405, 'METHOD_NOT_ALLOWED');
    expectProblem(await browser.call('POST', '/.env', { rawBody: '{"broken', csrf: false }), 404, 'NOT_FOUND');
    for (const res of [
      await browser.get('/wp-login.php'),
      await browser.get('/auth/login'),
      await browser.call('POST', '/.git/config', { rawBody: '{"broken', headers: { origin: 'https://evil.example' } }),
    ]) {
      expectProblem(res, 429, 'RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // The routes themselves are not limited by it.
    expect((await browser.get('/health/live')).status).toBe(200);
    expect((await browser.post('/auth/login/guest', guest())).status).toBe(200);
  });
});
