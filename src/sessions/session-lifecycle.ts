// Ending a session: here first, then at SCAYLE. Shared by logout, the session list, every login that
// replaces the session it arrived with, and whatever else ends sessions (password flows, the CLI).
import type { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import type { CallContext, ScayleClient } from '../upstream/types.js';
import type { SessionData } from './session-record.js';
import type { LoadedSession, SessionService } from './session-service.js';
import { createUpstreamRevoker } from './upstream-revocation.js';

export interface SessionEndingDeps {
  sessions: Pick<SessionService, 'destroy' | 'now'>;
  scayle: Pick<ScayleClient, 'refresh' | 'revokeToken'>;
  verifier: Pick<AccessTokenVerifier, 'verify'>;
}

/**
 * Revokes the session's token family at SCAYLE (see upstream-revocation.ts: an access token about to
 * expire is refreshed first so the revocation can authenticate). Rejects with the upstream's AppError.
 */
export function revokeUpstream(deps: SessionEndingDeps, data: SessionData, ctx: CallContext): Promise<void> {
  const revoke = createUpstreamRevoker({
    scayle: deps.scayle,
    jtiOf: async (token) => (await deps.verifier.verify(token)).jti,
    now: deps.sessions.now,
  });
  return revoke(data, ctx);
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
