// Finding the session a request belongs to: the Token header or the session cookie, each in its own lane
// (a cookie session is not usable as a Token and vice versa), and an x-client-key that must match.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { sidFromToken } from '../sessions/session-id.js';
import { sessionDeadline, type SessionData } from '../sessions/session-record.js';
import type { LoadedSession } from '../sessions/session-service.js';
import type { CallContext } from '../upstream/types.js';
import { sessionCredential, type SessionCredential } from './credentials.js';
import { setSessionCookie } from './session-cookie.js';

/** What the upstream client sends along with a call made for this request. */
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

/** The request's session (the Token header before the cookie); an x-client-key must match its client. */
export async function findSession(app: FastifyInstance, request: FastifyRequest): Promise<CurrentSession | 'missing' | 'expired'> {
  const credential = sessionCredential(request, app.config.session.cookieName);
  if (!credential) return 'missing';
  const found = await loadInLane(app, credential);
  if (typeof found === 'string') return found;
  const clientKey = request.headers['x-client-key'];
  if (clientKey !== undefined && clientKey !== found.data.clientKey)
    throw new AppError('CLIENT_UNKNOWN', { detail: 'x-client-key does not match the session' });
  return { session: found, credential };
}

/**
 * Every live session the request carries, by cookie and by Token header alike, whatever x-client-key
 * says: the sessions a login must end before it creates a new one (against fixation, and so a mobile
 * login in a web view cannot leave the browser's session alive, or the other way round).
 */
export async function carriedSessions(app: FastifyInstance, request: FastifyRequest): Promise<LoadedSession[]> {
  const { cookieName } = app.config.session;
  const credentials: SessionCredential[] = [];
  const cookie = request.cookies[cookieName];
  if (cookie !== undefined && cookie !== '') credentials.push({ token: cookie, via: 'cookie' });
  const token = sessionCredential(request, cookieName);
  if (token?.via === 'token') credentials.push(token);
  const found = await Promise.all(credentials.map((credential) => loadInLane(app, credential)));
  return found.filter((session): session is LoadedSession => typeof session !== 'string');
}

async function loadInLane(app: FastifyInstance, credential: SessionCredential): Promise<LoadedSession | 'missing' | 'expired'> {
  const sid = sidFromToken(credential.token);
  if (sid === undefined) return 'missing';
  const result = await app.sessions.load(sid);
  if (result.state !== 'live') return result.state;
  // A cookie session is not usable as a Token header and vice versa: each credential stays in its lane.
  if ((result.session.data.clientMode === 'token') !== (credential.via === 'token')) return 'missing';
  return result.session;
}

function hasCookie(app: FastifyInstance, request: FastifyRequest): boolean {
  return request.cookies[app.config.session.cookieName] !== undefined;
}

/** Renews the cookie's Max-Age when the session's deadline moved (sliding idle timeout). */
export function renewCookie(app: FastifyInstance, reply: FastifyReply, current: CurrentSession, data: SessionData): void {
  if (current.credential.via !== 'cookie') return;
  setSessionCookie(reply, app.config.session, current.credential.token, sessionDeadline(data), app.sessions.now());
}
