// Session identifiers. The cookie (or mobile session_token) carries 256 random bits; the store only ever
// sees a SHA-256 of it (the "sid"), so a dump of the store cannot be replayed as a cookie. A third,
// public form (the "handle") names a session in GET /auth/sessions without revealing either.
import { createHash, hash, randomBytes } from 'node:crypto';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface NewSessionId {
  /** The secret the client holds: cookie value or session_token. */
  token: string;
  sid: string;
}

export function newSessionId(): NewSessionId {
  const token = randomBytes(32).toString('base64url');
  return { token, sid: sidOf(token) };
}

/** Undefined for values that cannot be one of our tokens, so garbage never reaches the store. */
export function sidFromToken(token: string | undefined): string | undefined {
  return token !== undefined && TOKEN_PATTERN.test(token) ? sidOf(token) : undefined;
}

export function sidOf(token: string): string {
  // One-shot hash: a quarter of createHash().update().digest()'s cost, and this runs on every request.
  return hash('sha256', token, 'base64url');
}

export function handleOf(sid: string): string {
  return createHash('sha256').update(`handle:${sid}`).digest('base64url').slice(0, 22);
}

/** A fingerprint of a refresh token, to name the side record of a refresh without storing the token. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 22);
}
