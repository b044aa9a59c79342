// POST /auth/token, GET /auth/session and POST /auth/logout: using and ending an existing session.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callContext, findSession, renewCookie, requireSession } from '../../http/current-session.js';
import { isoTime } from '../../http/iso-time.js';
import { problems, sessionInfoResponse, tokenResponse } from '../../http/schemas.js';
import { clearSessionCookie } from '../../http/session-cookie.js';
import { sendSerialized, serializedBodies, serializeFor } from '../../http/serialized-bodies.js';
import { expiresIn, tokenResponse as toTokenResponse } from '../../http/token-response.js';
import { endSession } from '../../sessions/session-lifecycle.js';
import type { SessionData } from '../../sessions/session-record.js';

/** Asked on every page a storefront renders: successful answers get no access line by default (plugins/access-log.ts). */
const HOT_PATH = { hotPath: true } as const;

export async function sessionRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const loggedOut = app.metrics.sessionsEnded.labels({ reason: 'logout', shop: app.shopId });
  // Serialised once per record (and second), issue 20: see http/serialized-bodies.ts.
  const tokenBodies = serializedBodies<SessionData>();
  const sessionBodies = serializedBodies<SessionData>();

  routes.post('/auth/token', {
    config: HOT_PATH,
    schema: {
      summary: 'The current access token; refreshed upstream when less than 30 s are left',
      operationId: 'token',
      'x-session': 'requires',
      response: { 200: tokenResponse, ...problems(400, 401, 403, 502, 503, 504) },
    },
    handler: async (request, reply) => {
      const current = await requireSession(app, request);
      const sliding = app.sessions.touch(current.session);
      const slid = sliding && (await sliding);
      if (slid) renewCookie(app, reply, current, slid.data);
      const session = slid ?? current.session;
      // A fresh token (nearly every call) needs neither the upstream call context nor another await.
      const fresh = app.refresher.isFresh(session.data) ? session : await app.refresher.ensureFresh(session, callContext(request));
      reply.header('cache-control', 'no-store');
      const now = app.sessions.now();
      return sendSerialized(
        reply,
        tokenBodies(fresh.data, expiresIn(fresh.data, now), () => serializeFor(reply, toTokenResponse(fresh.data, now))),
      );
    },
  });

  routes.get('/auth/session', {
    config: HOT_PATH,
    schema: {
      summary: 'Who the session belongs to and when it ends',
      operationId: 'session',
      'x-session': 'requires',
      response: { 200: sessionInfoResponse, ...problems(400, 401, 503) },
    },
    handler: async (request, reply) => {
      const current = await requireSession(app, request);
      const sliding = app.sessions.touch(current.session);
      const slid = sliding && (await sliding);
      if (slid) renewCookie(app, reply, current, slid.data);
      reply.header('cache-control', 'no-store');
      const { data } = slid ?? current.session;
      return sendSerialized(
        reply,
        sessionBodies(data, 0, () => serializeFor(reply, sessionInfo(data))),
      );
    },
  });

  routes.post('/auth/logout', {
    schema: {
      summary: 'End the session and revoke its tokens upstream; idempotent',
      operationId: 'logout',
      'x-session': 'optional',
      response: { 204: z.null().describe('No content'), ...problems(400, 403, 503) },
    },
    handler: async (request, reply) => {
      const current = await findSession(app, request);
      if (typeof current !== 'string') {
        loggedOut.inc();
        await endSession(app, current.session, callContext(request), (error) => {
          request.log.warn({ err: error }, 'upstream revocation at logout failed; the local session is gone');
        });
      }
      clearSessionCookie(reply, app.config.session);
      return reply.code(204).send(null);
    },
  });
}

function sessionInfo(data: SessionData) {
  return {
    authenticated: true as const,
    customer: { ...(data.customerId !== undefined ? { id: data.customerId } : {}), guest: data.guest },
    expires_at: isoTime(data.absoluteExpiresAt),
    idle_expires_at: isoTime(data.idleExpiresAt),
  };
}
