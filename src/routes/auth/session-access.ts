// Finding the session a request belongs to, and answering with tokens. Shared by every /auth route that
// creates, reads or ends a session.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { resolveClient, sessionCredential, type Client, type SessionCredential } from '../../http/credentials.js';
import { setSessionCookie } from '../../http/session-cookie.js';
import { sidFromToken } from '../../sessions/session-id.js';
import { sessionDeadline, type SessionData } from '../../sessions/session-record.js';
import type { LoadedSession } from '../../sessions/session-service.js';
import type { CallContext } from '../../upstream/types.js';
import type { TokenResponse } from './schemas.js';

export function callContext(request: FastifyRequest): CallContext {
  const userAgent = request.headers['user-agent'];
  return { requestId: request.id, clientIp: request.ip, host: request.host, ...(userAgent ? { userAgent } : {}) };
}

export interface CurrentSession {
  session: LoadedSession;
  credential: SessionCredential;
}

/** The live session of the request, or a 401 that says whether there was none or it ended. */
export async function requireSession(app: FastifyInstance, request: FastifyRequest): Promise<CurrentSession> {
  const current = await findSession(app, request);
  if (current === 'missing') throw new AppError('SESSION_MISSING', { clearSession: hasCookie(app, request) });
  if (current === 'expired') throw new AppError('SESSION_EXPIRED', { clearSession: hasCookie(app, request) });
  return current;
}

export async function findSession(app: FastifyInstance, request: FastifyRequest): Promise<CurrentSession | 'missing' | 'expired'> {
  const credential = sessionCredential(request, app.config.session.cookieName);
  if (!credential) return 'missing';
  const sid = sidFromToken(credential.token);
  if (sid === undefined) return 'missing';
  const result = await app.sessions.load(sid);
  if (result.state !== 'live') return result.state;
  const { data } = result.session;
  // A cookie session is not usable as a Token header and vice versa: each credential stays in its lane.
  if ((data.clientMode === 'token') !== (credential.via === 'token')) return 'missing';
  const clientKey = request.headers['x-client-key'];
  if (clientKey !== undefined && clientKey !== data.clientKey)
    throw new AppError('CLIENT_UNKNOWN', { detail: 'x-client-key does not match the session' });
  return { session: result.session, credential };
}

function hasCookie(app: FastifyInstance, request: FastifyRequest): boolean {
  return request.cookies[app.config.session.cookieName] !== undefined;
}

/** Renews the cookie's Max-Age when the session's deadline moved (sliding idle timeout). */
export function renewCookie(app: FastifyInstance, reply: FastifyReply, current: CurrentSession, data: SessionData): void {
  if (current.credential.via !== 'cookie') return;
  setSessionCookie(reply, app.config.session, current.credential.token, sessionDeadline(data), app.sessions.now());
}

export function tokenResponse(data: SessionData, now: number, sessionToken?: string): TokenResponse {
  return {
    access_token: data.accessToken,
    token_type: 'Bearer',
    expires_in: Math.max(0, Math.floor((data.accessExpiresAt - now) / 1000)),
    expires_at: new Date(data.accessExpiresAt).toISOString(),
    customer: { ...(data.customerId !== undefined ? { id: data.customerId } : {}), guest: data.guest },
    ...(sessionToken !== undefined ? { session_token: sessionToken } : {}),
  };
}

export { resolveClient, type Client };
