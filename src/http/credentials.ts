// How a request names its session and its client: a web browser by the session cookie, a mobile app
// (a configured client key in `token` mode) by `Authorization: Token <session_token>`.
import type { FastifyRequest } from 'fastify';
import type { ClientMode } from '../config.js';
import { AppError } from '../errors.js';

export interface Client {
  mode: ClientMode;
  /** The x-client-key, when one was sent. */
  key: string | undefined;
}

export interface SessionCredential {
  token: string;
  via: 'cookie' | 'token';
}

/** The x-client-key's client; cookie mode when none is sent. Unknown keys are a 401 CLIENT_UNKNOWN. */
export function resolveClient(request: FastifyRequest, clientKeys: ReadonlyMap<string, ClientMode>): Client {
  const key = request.headers['x-client-key'];
  if (key === undefined) return { mode: 'cookie', key: undefined };
  const mode = typeof key === 'string' ? clientKeys.get(key) : undefined;
  if (mode === undefined) throw new AppError('CLIENT_UNKNOWN');
  return { mode, key: key as string };
}

/** The session token the request carries, preferring the explicit Token header over a cookie. */
export function sessionCredential(request: FastifyRequest, cookieName: string): SessionCredential | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && /^token\s+/i.test(authorization)) {
    return { token: authorization.replace(/^token\s+/i, '').trim(), via: 'token' };
  }
  const cookie = request.cookies[cookieName];
  return cookie === undefined || cookie === '' ? undefined : { token: cookie, via: 'cookie' };
}
