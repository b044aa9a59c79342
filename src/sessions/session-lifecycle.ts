// Ending a session: here first, then at SCAYLE. Shared by logout, the session list, every login that
// replaces the session it arrived with, and whatever else ends sessions (password flows, the CLI).
import type { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import type { CallContext, ScayleClient } from '../upstream/types.js';
import type { SessionData } from './session-record.js';
import type { LoadedSession, SessionService } from './session-service.js';

export interface SessionEndingDeps {
  sessions: Pick<SessionService, 'destroy' | 'now'>;
  scayle: Pick<ScayleClient, 'refresh' | 'revokeToken'>;
  verifier: Pick<AccessTokenVerifier, 'verify'>;
}

/** Below this much access-token life, revocation refreshes first: SCAYLE authenticates it with the token itself. */
const REVOKE_MIN_LIFE_MS = 5_000;

/**
 * Revokes the session's token family at SCAYLE; an access token about to expire is refreshed first so
 * the revocation can authenticate. Rejects with the upstream's AppError.
 */
export async function revokeUpstream(deps: SessionEndingDeps, data: SessionData, ctx: CallContext): Promise<void> {
  let { accessToken, jti } = data;
  if (data.accessExpiresAt - deps.sessions.now() < REVOKE_MIN_LIFE_MS) {
    const tokens = await deps.scayle.refresh(data.refreshToken, ctx);
    accessToken = tokens.accessToken;
    jti = (await deps.verifier.verify(accessToken)).jti;
  }
  await deps.scayle.revokeToken(accessToken, jti, ctx);
}

/**
 * Destroys the session in the store, then revokes it upstream. Local first: once the record is gone no
 * request can use it, whatever SCAYLE answers, so an upstream failure goes to `onRevokeFailed` instead of
 * failing the caller. A store failure rejects (the session may still be alive).
 */
export async function endSession(
  deps: SessionEndingDeps,
  session: LoadedSession,
  ctx: CallContext,
  onRevokeFailed: (error: unknown) => void,
): Promise<void> {
  await deps.sessions.destroy(session.sid, session.data);
  await revokeUpstream(deps, session.data, ctx).catch(onRevokeFailed);
}
