// Talking to the SCAYLE emulator over real HTTP from unit tests: one `call(...)` with the client's Basic
// credentials by default (or a Bearer token, or none), plus the few requests every emulator test file makes.
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';

/** Every field the emulator's JSON bodies may carry; each test asserts which ones are really there. */
export interface Body {
  token_type: string;
  expires_in: number;
  access_token: string;
  refresh_token: string;
  token: string;
  error: string;
  message: string;
  context: { fields?: string[] } | null;
  _debug_auth_link: string;
  keys: Array<{ kid: string }>;
  calls: Record<string, number>;
  kid: string;
}

export interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body; `json` is `{}` when it is empty or not JSON (some fault-injection tests want exactly that). */
  text: string;
  json: Body;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface CallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as-is as application/x-www-form-urlencoded (seed 004 endpoints accept form data too). */
  form?: string;
  /** Client Basic credentials (default), no Authorization header, or a customer's Bearer token. */
  auth?: 'basic' | 'none' | { bearer: string };
  /** Extra request headers; the `auth` choice above wins over an `authorization` given here unless it is 'none'. */
  headers?: Record<string, string>;
}

export interface EmulatorClient {
  clientId: string;
  clientSecret: string;
}

/**
 * Starts an emulator for the calling test file before its tests (handing it to `onStarted`) and closes it after.
 */
export function useEmulator(options: Parameters<typeof startEmulator>[0], onStarted: (emulator: Emulator) => void): void {
  let started: Emulator | undefined;
  beforeAll(async () => {
    started = await startEmulator(options);
    onStarted(started);
  });
  afterAll(async () => {
    await started?.close();
  });
}

/** A fresh, unique e-mail address, e.g. `user-<uuid>@example.test`. */
export const email = (tag = 'user') => `${tag}-${randomUUID()}@example.test`;

/** The Location header of a redirect as a URL. */
export const location = (res: Res) => new URL(String(res.headers.location));

/**
 * HTTP helpers bound to one emulator (looked up lazily, since it starts in `beforeAll`), its API client and shop.
 */
export function createEmulatorCaller(getEmulator: () => Emulator, client: EmulatorClient, shopId: number) {
  const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;

  async function call(method: Method, path: string, opts: CallOptions = {}): Promise<Res> {
    const headers: Record<string, string> = { ...opts.headers };
    const auth = opts.auth ?? 'basic';
    if (auth === 'basic') headers.authorization = basic;
    else if (auth !== 'none') headers.authorization = `Bearer ${auth.bearer}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await request(`${getEmulator().url}${path}`, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      ...(opts.form !== undefined ? { body: opts.form } : {}),
    });
    const text = await res.body.text();
    let json = {} as Body;
    try {
      json = (text ? JSON.parse(text) : {}) as Body;
    } catch {
      // Malformed bodies are the point of some tests; they assert on `text`.
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  }

  return {
    call,
    register: (body: Record<string, unknown>) => call('POST', '/v1/auth/register', { body }),
    login: (address: string, password: string) => call('POST', '/v1/auth/login', { body: { email: address, password, shop_id: shopId } }),
    guest: (body: Record<string, unknown>) => call('POST', '/v1/auth/login/guest', { body }),
    refresh: (token: string) => call('POST', '/v1/oauth/token', { body: { grant_type: 'refresh_token', refresh_token: token } }),
    validate: (accessToken: string) => call('GET', '/v1/oauth/token/validate', { auth: { bearer: accessToken } }),
  };
}
