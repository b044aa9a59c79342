// Unit tests of the SCAYLE client against a MockAgent: request shapes, token parsing and the failure table.
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it, vi, type Mock } from 'vitest';
import { createScayleClient } from '../../src/upstream/scayle-client.js';
import type { CallContext, LoginInput, ScayleClient } from '../../src/upstream/types.js';
import { failure } from '../helpers/failure.js';

const ORIGIN = 'https://acme-live.auth.scayle.cloud';
const CLIENT_ID = 'bff-client-id';
const CLIENT_SECRET = 'client-secret-5f1d2e9a';
const BASIC = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
const SHOP_ID = 1001;
const CLIENT_KEY = 'client-key-ios';
const PASSWORD = 'Pa55word-7c1e4b';
const NEW_PASSWORD = 'N3wPassword-a9d0';
const ACCESS = 'access-token-3b8f0c';
const REFRESH = 'refresh-token-e4a7d2';
const ctx: CallContext = { requestId: 'req-42', clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0 test', host: 'shop.example.test' };
const TOKEN_BODY = { token_type: 'Bearer', access_token: 'new-access', refresh_token: 'new-refresh', expires_in: 3600, scope: 'x' };
const TOKENS = { accessToken: 'new-access', refreshToken: 'new-refresh', expiresIn: 3600 };

type Invoke = (client: ScayleClient) => Promise<unknown>;
const registerInput = { gender: 'f', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.test', password: PASSWORD } as const;
const guestInput = { gender: 'n', firstName: 'Gue', lastName: 'St', email: 'guest@example.test' } as const;

const calls = {
  register: (c) => c.register(registerInput, ctx),
  login: (c) => c.login({ email: 'ada@example.test', password: PASSWORD }, ctx),
  guestLogin: (c) => c.guestLogin(guestInput, ctx),
  refresh: (c) => c.refresh(REFRESH, ctx),
  exchangeCode: (c) => c.exchangeCode('auth-code-1', ctx),
  logout: (c) => c.logout(ACCESS, ctx),
  revokeToken: (c) => c.revokeToken(ACCESS, 'jti/1', ctx),
  validateToken: (c) => c.validateToken(ACCESS, ctx),
  sendResetEmail: (c) => c.sendResetEmail('ada@example.test', 'https://shop.example.test/reset?hash={hash}', ctx),
  updatePasswordByHash: (c) => c.updatePasswordByHash('reset-hash-1', NEW_PASSWORD, ctx),
  changePassword: (c) => c.changePassword(ACCESS, PASSWORD, NEW_PASSWORD, ctx),
  sendMagicLink: (c) => c.sendMagicLink('ada@example.test', ctx),
  magicLinkLogin: (c) => c.magicLinkLogin('link-token-1', ctx),
  socialLogin: (c) => c.socialLogin('google-oauth2', 'social-code-1', 'https://shop.example.test/social', ctx),
} satisfies Record<string, Invoke>;
type Op = keyof typeof calls;

const routes: Record<Op, { method: string; path: string }> = {
  register: { method: 'POST', path: '/v1/auth/register' },
  login: { method: 'POST', path: '/v1/auth/login' },
  guestLogin: { method: 'POST', path: '/v1/auth/login/guest' },
  refresh: { method: 'POST', path: '/v1/oauth/token' },
  exchangeCode: { method: 'POST', path: '/v1/oauth/token' },
  logout: { method: 'POST', path: '/v1/auth/logout' },
  revokeToken: { method: 'DELETE', path: '/v1/oauth/tokens/jti%2F1' },
  validateToken: { method: 'GET', path: '/v1/oauth/token/validate' },
  sendResetEmail: { method: 'POST', path: '/v1/auth/password/send-reset-email' },
  updatePasswordByHash: { method: 'PUT', path: '/v1/auth/password/update-by-hash' },
  changePassword: { method: 'PUT', path: '/v1/auth/password' },
  sendMagicLink: { method: 'POST', path: '/v1/auth/by-link/link/' },
  magicLinkLogin: { method: 'POST', path: '/v1/auth/by-link/login/' },
  socialLogin: { method: 'POST', path: '/v1/auth/social/login/' },
};

let agent: MockAgent;
let client: ScayleClient;
type LogFn = (obj: object, msg: string) => void;
let logger: { warn: Mock<LogFn>; error: Mock<LogFn>; debug: Mock<LogFn> };

function setup(baseUrl = `${ORIGIN}/v1/`) {
  agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  logger = { warn: vi.fn<LogFn>(), error: vi.fn<LogFn>(), debug: vi.fn<LogFn>() };
  client = createScayleClient({
    baseUrl,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    shopId: SHOP_ID,
    clientKey: CLIENT_KEY,
    dispatcher: agent,
    logger,
  });
  return agent.get(ORIGIN);
}

function intercept(op: Op, status: number, data: unknown = '', headers: Record<string, string> = {}) {
  const body = typeof data === 'string' ? data : JSON.stringify(data);
  return agent
    .get(ORIGIN)
    .intercept(routes[op])
    .reply(status, body, { headers: { 'content-type': 'application/json', ...headers } });
}

function lastCall() {
  const call = agent.getCallHistory()?.lastCall();
  if (!call) throw new Error('no upstream call recorded');
  return call;
}

afterEach(async () => {
  await client.close();
  await agent.close();
});

describe('request shapes', () => {
  const basic = (body: Record<string, unknown>) => ({ auth: 'basic' as const, body });
  const cases: {
    op: Op;
    auth: 'basic' | 'bearer';
    shopHeader?: boolean;
    body?: Record<string, unknown>;
    status?: number;
    reply?: unknown;
    result: unknown;
  }[] = [
    {
      op: 'register',
      ...basic({ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.test', password: PASSWORD, gender: 'f', shop_id: SHOP_ID }),
      status: 201,
      reply: TOKEN_BODY,
      result: TOKENS,
    },
    { op: 'login', ...basic({ email: 'ada@example.test', password: PASSWORD, shop_id: SHOP_ID }), reply: TOKEN_BODY, result: TOKENS },
    {
      op: 'guestLogin',
      ...basic({ first_name: 'Gue', last_name: 'St', email: 'guest@example.test', gender: 'n', shop_id: SHOP_ID }),
      reply: TOKEN_BODY,
      result: TOKENS,
    },
    { op: 'refresh', ...basic({ grant_type: 'refresh_token', refresh_token: REFRESH }), reply: TOKEN_BODY, result: TOKENS },
    { op: 'exchangeCode', ...basic({ grant_type: 'authorization_code', code: 'auth-code-1' }), reply: TOKEN_BODY, result: TOKENS },
    {
      op: 'sendResetEmail',
      ...basic({ email: 'ada@example.test', reset_url: 'https://shop.example.test/reset?hash={hash}', shop_id: SHOP_ID }),
      status: 204,
      result: undefined,
    },
    {
      op: 'updatePasswordByHash',
      ...basic({ hash: 'reset-hash-1', password: NEW_PASSWORD, shop_id: SHOP_ID }),
      reply: TOKEN_BODY,
      result: TOKENS,
    },
    {
      op: 'sendMagicLink',
      ...basic({ email: 'ada@example.test', shop_id: SHOP_ID }),
      reply: { _debug_auth_link: 'https://shop.example.test/auth/link/t1' },
      result: { debugLink: 'https://shop.example.test/auth/link/t1' },
    },
    {
      op: 'magicLinkLogin',
      ...basic({ token: 'link-token-1', client_key: CLIENT_KEY }),
      reply: { ...TOKEN_BODY, token: 'new-access', user: { id: 1 } },
      result: TOKENS,
    },
    {
      op: 'socialLogin',
      ...basic({
        provider: 'google-oauth2',
        code: 'social-code-1',
        client_key: CLIENT_KEY,
        redirect_uri: 'https://shop.example.test/social',
      }),
      reply: TOKEN_BODY,
      result: TOKENS,
    },
    { op: 'logout', auth: 'bearer', shopHeader: true, status: 204, result: undefined },
    { op: 'revokeToken', auth: 'bearer', shopHeader: true, status: 204, result: undefined },
    { op: 'validateToken', auth: 'bearer', status: 200, result: true },
    { op: 'changePassword', auth: 'bearer', body: { password: PASSWORD, new_password: NEW_PASSWORD }, status: 204, result: undefined },
  ];

  it.each(cases)('$op sends the right method, path, headers and body', async ({ op, auth, shopHeader, body, status, reply, result }) => {
    setup();
    intercept(op, status ?? 200, reply ?? '');
    await expect(calls[op](client)).resolves.toEqual(result);

    const call = lastCall();
    expect(call.method).toBe(routes[op].method);
    expect(call.path).toBe(routes[op].path);
    expect(call.origin).toBe(ORIGIN);
    const headers = call.headers as Record<string, string>;
    expect(headers['authorization']).toBe(auth === 'basic' ? BASIC : `Bearer ${ACCESS}`);
    expect(headers['accept']).toBe('application/json');
    expect(headers['x-request-id']).toBe('req-42');
    expect(headers['x-original-client-ip']).toBe('203.0.113.7');
    expect(headers['x-original-user-agent']).toBe('Mozilla/5.0 test');
    expect(headers['x-original-host']).toBe('shop.example.test');
    expect(headers['x-shop-id']).toBe(shopHeader ? String(SHOP_ID) : undefined);
    if (body === undefined) {
      expect(call.body ?? '').toBe('');
      expect(headers['content-type']).toBeUndefined();
    } else {
      expect(headers['content-type']).toBe('application/json');
      expect(JSON.parse(String(call.body))).toEqual(body);
    }
  });

  it('omits the x-original-* headers it does not know', async () => {
    setup();
    intercept('login', 200, TOKEN_BODY);
    await client.login({ email: 'a@example.test', password: PASSWORD }, { requestId: 'only-id' });
    const headers = lastCall().headers as Record<string, string>;
    expect(headers['x-request-id']).toBe('only-id');
    expect(Object.keys(headers).filter((h) => h.startsWith('x-original-'))).toEqual([]);
  });

  it('takes shop_id from configuration, never from the caller', async () => {
    setup();
    intercept('login', 200, TOKEN_BODY);
    const sneaky = { email: 'a@example.test', password: PASSWORD, shop_id: 999 } as LoginInput;
    await client.login(sneaky, ctx);
    expect(JSON.parse(String(lastCall().body))).toMatchObject({ shop_id: SHOP_ID });
  });

  it.each([ORIGIN, `${ORIGIN}/`, `${ORIGIN}/v1`])('tolerates base URL %s and derives the JWKS URL', async (baseUrl) => {
    setup(baseUrl);
    intercept('login', 200, TOKEN_BODY);
    await client.login({ email: 'a@example.test', password: PASSWORD }, ctx);
    expect(lastCall().path).toBe('/v1/auth/login');
    expect(client.jwksUrl).toBe(`${ORIGIN}/.well-known/jwks.json`);
  });

  it('returns no debug link when the magic-link answer has none', async () => {
    setup();
    intercept('sendMagicLink', 202, '');
    await expect(client.sendMagicLink('a@example.test', ctx)).resolves.toEqual({});
  });
});

describe('token parsing', () => {
  it.each([
    ['malformed JSON', '{"access_token": "x"'],
    ['a missing refresh_token', { token_type: 'Bearer', access_token: 'a', expires_in: 60 }],
    ['a non-positive expires_in', { ...TOKEN_BODY, expires_in: 0 }],
    ['a string expires_in', { ...TOKEN_BODY, expires_in: '3600' }],
    ['an empty body', ''],
  ])('a 2xx with %s is 502 UPSTREAM_BAD_RESPONSE', async (_name, body) => {
    setup();
    intercept('login', 200, body);
    const err = await failure(calls.login(client));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.status).toBe(502);
  });
});
