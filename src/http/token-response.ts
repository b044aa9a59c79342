// The token response body (bff-api.md "Conventions") from a session record.
import type { SessionData } from '../sessions/session-record.js';
import { isoTime } from './iso-time.js';
import type { TokenResponse } from './schemas.js';

/** Whole seconds until the access token expires (never negative). */
export function expiresIn(data: SessionData, now: number): number {
  return Math.max(0, Math.floor((data.accessExpiresAt - now) / 1000));
}

/** `session_token` only on the answers that create a token-mode session. */
export function tokenResponse(data: SessionData, now: number, sessionToken?: string): TokenResponse {
  return {
    access_token: data.accessToken,
    token_type: 'Bearer',
    expires_in: expiresIn(data, now),
    expires_at: isoTime(data.accessExpiresAt),
    customer: { ...(data.customerId !== undefined ? { id: data.customerId } : {}), guest: data.guest },
    ...(sessionToken !== undefined ? { session_token: sessionToken } : {}),
  };
}
