// The bench's cast: the OAuth client the emulators accept, the storefront origin the service allows,
// the request bodies and headers each system expects, and logging in through each of them.
import { expectJson } from './http.js';

export const CREDENTIALS = {
  clientId: 'bench-client',
  clientSecret: 'bench-client-secret-0123456789',
  shopId: 1,
  shopSecret: 'bench-shop-secret-0123456789',
} as const;

/** The storefront origin the service under bench allows (CSRF needs Origin + x-requested-with). */
export const ORIGIN = 'http://shop.bench.test';
export const PASSWORD = 'bench-password-0123';
export const GUEST = { gender: 'f', first_name: 'Guest', last_name: 'Bench', email: 'guest@bench.example' } as const;

export const JSON_HEADERS = { 'content-type': 'application/json' };
export const BASIC_HEADERS = {
  ...JSON_HEADERS,
  authorization: `Basic ${Buffer.from(`${CREDENTIALS.clientId}:${CREDENTIALS.clientSecret}`).toString('base64')}`,
};
/** What a storefront's fetch() sends to the service (same-site, marked as XHR). */
export const STOREFRONT_HEADERS = { origin: ORIGIN, 'x-requested-with': 'XMLHttpRequest' };

/** The service's environment: what server.ts would read, pointed at an emulator and a Redis prefix. */
export function serviceEnv(
  upstreamUrl: string,
  redisUrl: string,
  keyPrefix: string,
  encryptionKey: string,
  logLevel: string,
): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: logLevel,
    SCAYLE_AUTH_BASE_URL: upstreamUrl,
    SCAYLE_CLIENT_ID: CREDENTIALS.clientId,
    SCAYLE_CLIENT_SECRET: CREDENTIALS.clientSecret,
    SCAYLE_SHOP_ID: String(CREDENTIALS.shopId),
    SCAYLE_SHOP_SECRET: CREDENTIALS.shopSecret,
    SESSION_ENCRYPTION_KEYS: encryptionKey,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    ALLOWED_ORIGINS: ORIGIN,
    // One bench client logs in thousands of times a second; the limiter's own cost still counts.
    RATE_LIMIT_IP_PER_MINUTE: '1000000000',
    RATE_LIMIT_EMAIL_PER_MINUTE: '1000000000',
  };
}

export function registerDirect(emulatorUrl: string, email: string): Promise<unknown> {
  const body = { first_name: 'Bench', last_name: 'User', gender: 'n', email, password: PASSWORD, shop_id: CREDENTIALS.shopId };
  return expectJson(201, emulatorUrl, 'POST', '/v1/auth/register', { body, headers: BASIC_HEADERS });
}

/** Logs in at the emulator itself; returns the refresh token. */
export async function loginDirect(emulatorUrl: string, email: string): Promise<string> {
  const body = { email, password: PASSWORD, shop_id: CREDENTIALS.shopId };
  const reply = await expectJson(200, emulatorUrl, 'POST', '/v1/auth/login', { body, headers: BASIC_HEADERS });
  return (reply.body as { refresh_token: string }).refresh_token;
}

/** Logs in through the service or the naive baseline; returns the session's cookie header value. */
export async function loginVia(url: string, email: string): Promise<string> {
  const reply = await expectJson(200, url, 'POST', '/auth/login', { body: { email, password: PASSWORD }, headers: STOREFRONT_HEADERS });
  if (reply.cookie === undefined) throw new Error(`login at ${url} set no cookie`);
  return reply.cookie;
}
