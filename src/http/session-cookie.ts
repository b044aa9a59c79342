// The session cookie: HttpOnly, SameSite=Lax, Path=/, Secure (and the __Host- prefix) when configured,
// with a Max-Age equal to the time the session has left if unused.
import type { FastifyReply } from 'fastify';

export interface CookieSettings {
  cookieName: string;
  cookieSecure: boolean;
}

export function setSessionCookie(reply: FastifyReply, settings: CookieSettings, token: string, deadlineMs: number, nowMs: number): void {
  reply.setCookie(settings.cookieName, token, {
    httpOnly: true,
    secure: settings.cookieSecure,
    sameSite: 'lax',
    path: '/',
    // Rounded up: rounding to nearest sent Max-Age=0 on a successful answer in a session's last half
    // second, which deletes the cookie of a session that is still live.
    maxAge: Math.max(1, Math.ceil((deadlineMs - nowMs) / 1000)),
  });
}

export function clearSessionCookie(reply: FastifyReply, settings: CookieSettings): void {
  reply.clearCookie(settings.cookieName, { httpOnly: true, secure: settings.cookieSecure, sameSite: 'lax', path: '/' });
}
