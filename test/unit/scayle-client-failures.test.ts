// Unit tests of the SCAYLE client's failure mapping: the 4xx table, 5xx, 429, INVALID_CLIENT, transport
// errors by code, no replayed writes, and no secret in any error or log line.
import { inspect } from 'node:util';
import { MockAgent, errors as undiciErrors } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { AppError, type ErrorCode } from '../../src/errors.js';
import { createScayleClient } from '../../src/upstream/scayle-client.js';
import type { CallContext, ScayleClient } from '../../src/upstream/types.js';

const ORIGIN = 'https://acme-live.auth.scayle.cloud';
const CLIENT_SECRET = 'client-secret-5f1d2e9a';
const BASIC_CREDENTIALS = Buffer.from(`bff-client:${CLIENT_SECRET}`).toString('base64');
const PASSWORD = 'Pa55word-7c1e4b';
const NEW_PASSWORD = 'N3wPassword-a9d0';
const ACCESS = 'access-token-3b8f0c';
const REFRESH = 'refresh-token-e4a7d2';
const SECRETS = [CLIENT_SECRET, BASIC_CREDENTIALS, PASSWORD, NEW_PASSWORD, ACCESS, REFRESH];
const ctx: CallContext = { requestId: 'req-7' };
const TOKEN_BODY = { token_type: 'Bearer', access_token: 'new-access', refresh_token: 'new-refresh', expires_in: 60 };

const ops = {
  register: {
    method: 'POST',
    path: '/v1/auth/register',
    call: (c: ScayleClient) => c.register({ gender: 'm', firstName: 'A', lastName: 'B', email: 'a@example.test', password: PASSWORD }, ctx),
  },
  login: {
    method: 'POST',
    path: '/v1/auth/login',
    call: (c: ScayleClient) => c.login({ email: 'a@example.test', password: PASSWORD }, ctx),
  },
  guestLogin: {
    method: 'POST',
    path: '/v1/auth/login/guest',
    call: (c: ScayleClient) => c.guestLogin({ gender: 'd', firstName: 'A', lastName: 'B', email: 'a@example.test' }, ctx),
  },
  refresh: { method: 'POST', path: '/v1/oauth/token', call: (c: ScayleClient) => c.refresh(REFRESH, ctx) },
  exchangeCode: { method: 'POST', path: '/v1/oauth/token', call: (c: ScayleClient) => c.exchangeCode('code-1', ctx) },
  logout: { method: 'POST', path: '/v1/auth/logout', call: (c: ScayleClient) => c.logout(ACCESS, ctx) },
  revokeToken: { method: 'DELETE', path: '/v1/oauth/tokens/jti-1', call: (c: ScayleClient) => c.revokeToken(ACCESS, 'jti-1', ctx) },
  validateToken: { method: 'GET', path: '/v1/oauth/token/validate', call: (c: ScayleClient) => c.validateToken(ACCESS, ctx) },
  sendResetEmail: {
    method: 'POST',
    path: '/v1/auth/password/send-reset-email',
    call: (c: ScayleClient) => c.sendResetEmail('a@example.test', 'https://s.test/r?h={hash}', ctx),
  },
  updatePasswordByHash: {
    method: 'PUT',
    path: '/v1/auth/password/update-by-hash',
    call: (c: ScayleClient) => c.updatePasswordByHash('hash-1', NEW_PASSWORD, ctx),
  },
  changePassword: {
    method: 'PUT',
    path: '/v1/auth/password',
    call: (c: ScayleClient) => c.changePassword(ACCESS, PASSWORD, NEW_PASSWORD, ctx),
  },
  sendMagicLink: { method: 'POST', path: '/v1/auth/by-link/link/', call: (c: ScayleClient) => c.sendMagicLink('a@example.test', ctx) },
  magicLinkLogin: { method: 'POST', path: '/v1/auth/by-link/login/', call: (c: ScayleClient) => c.magicLinkLogin('link-1', ctx) },
  socialLogin: {
    method: 'POST',
    path: '/v1/auth/social/login/',
    call: (c: ScayleClient) => c.socialLogin('apple', 'code-2', 'https://s.test/cb', ctx),
  },
};
type Op = keyof typeof ops;

let agent: MockAgent;
let client: ScayleClient;
type LogFn = (obj: object, msg: string) => void;
let logger: { warn: Mock<LogFn>; error: Mock<LogFn>; debug: Mock<LogFn> };

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  logger = { warn: vi.fn<LogFn>(), error: vi.fn<LogFn>(), debug: vi.fn<LogFn>() };
  client = createScayleClient({
    baseUrl: ORIGIN,
    clientId: 'bff-client',
    clientSecret: CLIENT_SECRET,
    shopId: 7,
    clientKey: 'ck',
    dispatcher: agent,
    logger,
  });
});

afterEach(async () => {
  await client.close();
  await agent.close();
});

/** An upstream error body that quotes the user's input, as a careless upstream might. */
const echoingBody = (error: string) => JSON.stringify({ error, message: `UPSTREAM-SAYS ${PASSWORD} ${REFRESH} ${ACCESS}` });

function reply(op: Op, status: number, body = echoingBody('some_error'), headers: Record<string, string> = {}) {
  const { method, path } = ops[op];
  agent
    .get(ORIGIN)
    .intercept({ method, path })
    .reply(status, body, { headers: { 'content-type': 'application/json', ...headers } });
}

async function failure(op: Op): Promise<AppError> {
  const err = await ops[op].call(client).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

function expectNoSecrets(err: AppError) {
  const renderings = [
    String(err),
    err.message,
    JSON.stringify(err),
    inspect(err, { depth: 10 }),
    JSON.stringify([logger.warn.mock.calls, logger.error.mock.calls, logger.debug.mock.calls]),
  ];
  for (const text of renderings) for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('the 4xx table', () => {
  const rows: [Op, number, ErrorCode | 'success' | false][] = [
    ['login', 400, 'INVALID_CREDENTIALS'],
    ['login', 401, 'INVALID_CREDENTIALS'],
    ['login', 404, 'INVALID_CREDENTIALS'],
    ['register', 409, 'EMAIL_TAKEN'],
    ['register', 400, 'VALIDATION_FAILED'],
    ['register', 422, 'VALIDATION_FAILED'],
    ['guestLogin', 409, 'EMAIL_TAKEN'],
    ['guestLogin', 400, 'VALIDATION_FAILED'],
    ['guestLogin', 422, 'VALIDATION_FAILED'],
    ['refresh', 400, 'SESSION_EXPIRED'],
    ['refresh', 401, 'SESSION_EXPIRED'],
    ['exchangeCode', 400, 'SOCIAL_CODE_INVALID'],
    ['exchangeCode', 401, 'SOCIAL_CODE_INVALID'],
    ['updatePasswordByHash', 400, 'RESET_HASH_INVALID'],
    ['updatePasswordByHash', 401, 'RESET_HASH_INVALID'],
    ['updatePasswordByHash', 404, 'RESET_HASH_INVALID'],
    ['updatePasswordByHash', 406, 'RESET_HASH_INVALID'],
    ['updatePasswordByHash', 422, 'VALIDATION_FAILED'],
    ['sendResetEmail', 404, 'success'],
    ['logout', 401, 'success'],
    ['logout', 404, 'success'],
    ['revokeToken', 401, 'success'],
    ['revokeToken', 404, 'success'],
    ['changePassword', 400, 'INVALID_CREDENTIALS'],
    ['changePassword', 401, 'INVALID_CREDENTIALS'],
    ['changePassword', 403, 'INVALID_CREDENTIALS'],
    ['changePassword', 422, 'VALIDATION_FAILED'],
    ['magicLinkLogin', 400, 'MAGIC_LINK_INVALID'],
    ['magicLinkLogin', 401, 'MAGIC_LINK_INVALID'],
    ['magicLinkLogin', 404, 'MAGIC_LINK_INVALID'],
    ['socialLogin', 400, 'SOCIAL_CODE_INVALID'],
    ['socialLogin', 401, 'SOCIAL_CODE_INVALID'],
    ['sendMagicLink', 404, 'success'],
    ['sendMagicLink', 400, 'VALIDATION_FAILED'],
    ['validateToken', 401, false],
    // Statuses outside the table are SCAYLE misbehaving, not the user: 502.
    ['login', 403, 'UPSTREAM_BAD_RESPONSE'],
    ['register', 401, 'UPSTREAM_BAD_RESPONSE'],
    ['sendResetEmail', 400, 'UPSTREAM_BAD_RESPONSE'],
    ['validateToken', 403, 'UPSTREAM_BAD_RESPONSE'],
    ['logout', 418, 'UPSTREAM_BAD_RESPONSE'],
    ['refresh', 404, 'UPSTREAM_BAD_RESPONSE'],
    ['login', 302, 'UPSTREAM_BAD_RESPONSE'],
  ];

  it.each(rows)('%s answered %i → %s', async (op, status, expected) => {
    reply(op, status);
    if (expected === 'success') {
      await expect(ops[op].call(client)).resolves.toEqual(op === 'sendMagicLink' ? {} : undefined);
    } else if (expected === false) {
      await expect(ops[op].call(client)).resolves.toBe(false);
    } else {
      const err = await failure(op);
      expect(err.code).toBe(expected);
      expect(err.detail ?? '').not.toContain('UPSTREAM-SAYS');
      expectNoSecrets(err);
    }
  });

  it('keeps validation details generic', async () => {
    reply('register', 422, JSON.stringify({ error: 'validation_error', message: 'password must contain ü' }));
    const err = await failure('register');
    expect(err.status).toBe(400);
    expect(err.detail).toBe('The authentication service rejected the submitted data.');
  });
});

describe('INVALID_CLIENT', () => {
  it.each(['login', 'refresh', 'register', 'sendResetEmail'] as const)('on %s is a 502 logged as an ops error', async (op) => {
    reply(op, 401, JSON.stringify({ error: 'INVALID_CLIENT', message: 'Client authentication failed.', context: null }));
    const err = await failure(op);
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(logger.error).toHaveBeenCalledTimes(1);
    expectNoSecrets(err);
  });

  it('on a Bearer call follows the table (our client credentials were not involved)', async () => {
    reply('changePassword', 401, JSON.stringify({ error: 'INVALID_CLIENT' }));
    expect((await failure('changePassword')).code).toBe('INVALID_CREDENTIALS');
    expect(logger.error).not.toHaveBeenCalled();
  });
});

describe('5xx and 429', () => {
  it.each([
    [500, 'UPSTREAM_BAD_RESPONSE', 502],
    [502, 'UPSTREAM_BAD_RESPONSE', 502],
    [504, 'UPSTREAM_BAD_RESPONSE', 502],
    [503, 'UPSTREAM_UNAVAILABLE', 503],
  ])('upstream %i → %s', async (status, code, ourStatus) => {
    reply('login', status, '<html>oops</html>');
    const err = await failure('login');
    expect([err.code, err.status]).toEqual([code, ourStatus]);
    expect(logger.warn).toHaveBeenCalled();
  });

  it.each([
    ['30', '30'],
    ['Wed, 21 Oct 2026 07:28:00 GMT', 'Wed, 21 Oct 2026 07:28:00 GMT'],
    [undefined, '1'],
    ['soon\r\nx-evil: 1', '1'],
  ])('429 with retry-after %j → RATE_LIMITED with retry-after %j', async (given, expected) => {
    reply('login', 429, '', given === undefined ? {} : { 'retry-after': given });
    const err = await failure('login');
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.headers).toEqual({ 'retry-after': expected });
  });
});

describe('transport errors by code', () => {
  const withCode = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });
  it.each([
    ['ECONNREFUSED', 'UPSTREAM_UNAVAILABLE', withCode('ECONNREFUSED')],
    ['ENOTFOUND', 'UPSTREAM_UNAVAILABLE', withCode('ENOTFOUND')],
    ['EAI_AGAIN', 'UPSTREAM_UNAVAILABLE', withCode('EAI_AGAIN')],
    ['UND_ERR_DESTROYED', 'UPSTREAM_UNAVAILABLE', new undiciErrors.ClientDestroyedError()],
    ['UND_ERR_CLOSED', 'UPSTREAM_UNAVAILABLE', new undiciErrors.ClientClosedError()],
    ['ECONNRESET', 'UPSTREAM_BAD_RESPONSE', withCode('ECONNRESET')],
    ['UND_ERR_SOCKET', 'UPSTREAM_BAD_RESPONSE', new undiciErrors.SocketError('other side closed')],
    ['UND_ERR_CONNECT_TIMEOUT', 'UPSTREAM_TIMEOUT', new undiciErrors.ConnectTimeoutError()],
    ['UND_ERR_HEADERS_TIMEOUT', 'UPSTREAM_TIMEOUT', new undiciErrors.HeadersTimeoutError()],
    ['UND_ERR_BODY_TIMEOUT', 'UPSTREAM_TIMEOUT', new undiciErrors.BodyTimeoutError()],
    ['an uncoded error', 'UPSTREAM_BAD_RESPONSE', new Error('weird')],
  ])('%s → %s, cause kept', async (_name, code, error) => {
    agent.get(ORIGIN).intercept({ method: 'POST', path: '/v1/auth/login' }).replyWithError(error);
    const err = await failure('login');
    expect(err.code).toBe(code);
    expect(err.cause).toBe(error);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ operation: 'login', requestId: 'req-7' }), expect.any(String));
    expectNoSecrets(err);
  });
});

describe('retries', () => {
  it.each(['login', 'refresh', 'register', 'logout', 'revokeToken', 'changePassword', 'updatePasswordByHash'] as const)(
    'never replays %s (a write) after a connection reset',
    async (op) => {
      const { method, path } = ops[op];
      const pool = agent.get(ORIGIN);
      pool.intercept({ method, path }).replyWithError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
      pool.intercept({ method, path }).reply(200, JSON.stringify(TOKEN_BODY));
      expect((await failure(op)).code).toBe('UPSTREAM_BAD_RESPONSE');
      expect(agent.pendingInterceptors()).toHaveLength(1);
    },
  );

  it('replays the validate GET once after a connection reset', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept(ops.validateToken).replyWithError(new undiciErrors.SocketError('other side closed'));
    pool.intercept(ops.validateToken).reply(200, '');
    await expect(client.validateToken(ACCESS, ctx)).resolves.toBe(true);
    expect(agent.pendingInterceptors()).toHaveLength(0);
  });

  it('replays the validate GET at most once', async () => {
    const pool = agent.get(ORIGIN);
    for (let i = 0; i < 3; i++) pool.intercept(ops.validateToken).replyWithError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    expect((await failure('validateToken')).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(agent.pendingInterceptors()).toHaveLength(1);
  });

  it('does not replay the validate GET after a timeout', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept(ops.validateToken).replyWithError(new undiciErrors.HeadersTimeoutError());
    pool.intercept(ops.validateToken).reply(200, '');
    expect((await failure('validateToken')).code).toBe('UPSTREAM_TIMEOUT');
    expect(agent.pendingInterceptors()).toHaveLength(1);
  });
});

describe('close', () => {
  it('is idempotent, fails later calls with 503 and leaves a passed-in dispatcher open', async () => {
    await client.close();
    await client.close();
    expect((await failure('login')).code).toBe('UPSTREAM_UNAVAILABLE');
    agent.get(ORIGIN).intercept({ path: '/still-open' }).reply(200, 'yes');
    const res = await agent.request({ origin: ORIGIN, path: '/still-open', method: 'GET' });
    expect(await res.body.text()).toBe('yes');
  });
});
