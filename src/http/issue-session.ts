// Turning a fresh token pair from SCAYLE into a session: verify the access token, end every session the
// request arrived with (a new id on every login, against fixation), store the new one and hand the
// client its cookie or, for token-mode apps, its session_token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sessionDeadline } from '../sessions/session-record.js';
import { revokeUpstream } from '../sessions/session-lifecycle.js';
import type { UpstreamTokens } from '../upstream/types.js';
import type { Client } from './credentials.js';
import { callContext, carriedSessions } from './current-session.js';
import type { TokenResponse } from './schemas.js';
import { setSessionCookie } from './session-cookie.js';
import { tokenResponse } from './token-response.js';

export interface IssueOptions {
  guest: boolean;
  client: Client;
}

/** Creates the session for `tokens` and returns the token response; sets the cookie for web clients. */
export async function issueSession(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  tokens: UpstreamTokens,
  options: IssueOptions,
): Promise<TokenResponse> {
  const ctx = callContext(request);
  const verified = await app.verifier.verify(tokens.accessToken);

  let created;
  try {
    await endCarriedSessions(app, request);
    created = await app.sessions.create({
      customerId: verified.customerId,
      guest: options.guest,
      accessToken: tokens.accessToken,
      jti: verified.jti,
      accessExpiresAt: verified.expiresAt,
      refreshToken: tokens.refreshToken,
      clientMode: options.client.mode,
      clientKey: options.client.key,
      userAgent: request.headers['user-agent']?.slice(0, 256),
    });
  } catch (error) {
    // Tokens nobody will ever hold must not stay valid upstream.
    void app.scayle.revokeToken(tokens.accessToken, verified.jti, ctx).catch(() => undefined);
    throw error;
  }
  const { token, session } = created;
  // issue 15: a customer holds at most SESSIONS_PER_CUSTOMER_MAX sessions; the oldest beyond it end.
  if (session.data.customerId !== undefined) {
    await app.sessionEnding
      .enforceLimit(session.data.customerId, app.config.sessionsPerCustomerMax, session.sid, ctx)
      .catch((error: unknown) => request.log.warn({ err: error }, 'ending sessions beyond the per-customer limit failed'));
  }
  const now = app.sessions.now();
  reply.header('cache-control', 'no-store');
  if (options.client.mode === 'token') return tokenResponse(session.data, now, token);
  setSessionCookie(reply, app.config.session, token, sessionDeadline(session.data), now);
  return tokenResponse(session.data, now);
}

/**
 * A store that cannot answer fails the login: going on would leave the old session alive beside the
 * new one. Upstream revocation does not hold the login up.
 */
async function endCarriedSessions(app: FastifyInstance, request: FastifyRequest): Promise<void> {
  const carried = await carriedSessions(app, request);
  for (const { sid, data } of carried) {
    await app.sessions.destroy(sid, data);
    void revokeUpstream(app, data, callContext(request)).catch((error: unknown) => {
      request.log.warn({ err: error }, 'revoking the replaced session upstream failed');
    });
  }
}
