// Putting a new token pair into a live session (SCAYLE answered a password change with one, having
// revoked the old family). Version-checked like every write: a concurrent slide or refresh is re-read
// and the new pair written over it, since the old pair is dead upstream either way.
import type { LoadedSession, SessionService } from './session-service.js';
import type { UpstreamTokens } from '../upstream/types.js';

export interface VerifiedToken {
  jti: string;
  expiresAt: number;
}

/** True once written; false when the session ended meanwhile (nothing to carry the tokens). */
export async function replaceTokens(
  sessions: Pick<SessionService, 'load' | 'save'>,
  session: LoadedSession,
  tokens: UpstreamTokens,
  verified: VerifiedToken,
): Promise<boolean> {
  let current: LoadedSession = session;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const data = {
      ...current.data,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      jti: verified.jti,
      accessExpiresAt: verified.expiresAt,
    };
    const result = await sessions.save(current, data);
    if (result === 'ok') return true;
    if (result === 'missing') return false;
    const reloaded = await sessions.load(session.sid);
    if (reloaded.state !== 'live') return false;
    current = reloaded.session;
  }
  return false;
}
