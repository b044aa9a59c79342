// Turning a fresh token pair from SCAYLE into a session: verify the access token, end the session the
// request arrived with (a new id on every login, against fixation), store the new one and hand the
// client its cookie or, for token-mode apps, its session_token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../../errors.js';
import { setSessionCookie } from '../../http/session-cookie.js';
import { sessionDeadline } from '../../sessions/session-record.js';
import type { UpstreamTokens } from '../../upstream/types.js';
import { callContext, findSession, tokenResponse, type Client } from './session-access.js';
import type { TokenResponse } from './schemas.js';

export interface IssueOptions {
  guest: boolean;
  client: Client;
}

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
    await endPreviousSession(app, request);
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

async function endPreviousSession(app: FastifyInstance, request: FastifyRequest): Promise<void> {
  let previous;
  try {
    previous = await findSession(app, request);
  } catch (error) {
    // A mismatched client key on the old session does not block a new login. A store that cannot
    // answer does: going on would leave the old session alive beside the new one (it used to be
    // swallowed here, and a one-command blip meant two live sessions).
    if (isAppError(error) && error.code === 'CLIENT_UNKNOWN') return;
    throw error;
  }
  if (typeof previous === 'string') return;
  const { data, sid } = previous.session;
  await app.sessions.destroy(sid, data);
  void app.scayle.revokeToken(data.accessToken, data.jti, callContext(request)).catch((error: unknown) => {
    request.log.warn({ err: error }, 'revoking the replaced session upstream failed');
  });
}
