// POST /auth/token, GET /auth/session and POST /auth/logout: using and ending an existing session.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clearSessionCookie } from '../../http/session-cookie.js';
import type { SessionData } from '../../sessions/session-record.js';
import { problems, sessionInfoResponse, tokenResponse } from './schemas.js';
import { callContext, findSession, renewCookie, requireSession, tokenResponse as toTokenResponse } from './session-access.js';

export async function sessionRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post('/auth/token', {
    schema: {
      summary: 'The current access token; refreshed upstream when less than 30 s are left',
      response: { 200: tokenResponse, ...problems(401, 403, 502, 503, 504) },
    },
    handler: async (request, reply) => {
      const current = await requireSession(app, request);
      const slid = await app.sessions.touch(current.session);
      if (slid) renewCookie(app, reply, current, slid.data);
      const fresh = await app.refresher.ensureFresh(slid ?? current.session, callContext(request));
      reply.header('cache-control', 'no-store');
      return toTokenResponse(fresh.data, app.sessions.now());
    },
  });

  routes.get('/auth/session', {
    schema: {
      summary: 'Who the session belongs to and when it ends',
      response: { 200: sessionInfoResponse, ...problems(401, 503) },
    },
    handler: async (request, reply) => {
      const current = await requireSession(app, request);
      const slid = await app.sessions.touch(current.session);
      if (slid) renewCookie(app, reply, current, slid.data);
      reply.header('cache-control', 'no-store');
      return sessionInfo((slid ?? current.session).data);
    },
  });

  routes.post('/auth/logout', {
    schema: {
      summary: 'End the session and revoke its tokens upstream; idempotent',
      response: { 204: z.null().describe('No content'), ...problems(403, 503) },
    },
    handler: async (request, reply) => {
      const current = await findSession(app, request);
      if (typeof current !== 'string') {
        const { sid, data } = current.session;
        // Local first: once the session is gone no request can use it, whatever SCAYLE answers.
        await app.sessions.destroy(sid, data);
        app.metrics.sessionsEnded.inc({ reason: 'logout' });
        await revokeUpstream(app, data, callContext(request)).catch((error: unknown) => {
          request.log.warn({ err: error }, 'upstream revocation at logout failed; the local session is gone');
        });
      }
      clearSessionCookie(reply, app.config.session);
      return reply.code(204).send(null);
    },
  });
}

/** Revokes the session's token family; an expired access token is refreshed first so revocation can authenticate. */
export async function revokeUpstream(app: FastifyInstance, data: SessionData, ctx: ReturnType<typeof callContext>): Promise<void> {
  let { accessToken, jti } = data;
  if (data.accessExpiresAt - app.sessions.now() < 5_000) {
    const tokens = await app.scayle.refresh(data.refreshToken, ctx);
    accessToken = tokens.accessToken;
    jti = (await app.verifier.verify(accessToken)).jti;
  }
  await app.scayle.revokeToken(accessToken, jti, ctx);
}

function sessionInfo(data: SessionData) {
  return {
    authenticated: true as const,
    customer: { ...(data.customerId !== undefined ? { id: data.customerId } : {}), guest: data.guest },
    expires_at: new Date(data.absoluteExpiresAt).toISOString(),
    idle_expires_at: new Date(data.idleExpiresAt).toISOString(),
  };
}
