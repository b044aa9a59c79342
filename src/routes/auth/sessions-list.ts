// GET /auth/sessions, DELETE /auth/sessions/:id and DELETE /auth/sessions: a customer's own sessions,
// named by a public handle (never the secret id), and revoking them here and at SCAYLE.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { callContext, requireSession, type CurrentSession } from '../../http/current-session.js';
import { problems } from '../../http/schemas.js';
import { clearSessionCookie } from '../../http/session-cookie.js';
import { handleOf } from '../../sessions/session-id.js';
import type { LoadedSession } from '../../sessions/session-service.js';

const sessionItem = z.object({
  id: z.string().describe('Public handle of the session (not its secret)'),
  created_at: z.iso.datetime(),
  last_seen_at: z.iso.datetime(),
  user_agent: z.string().nullable(),
  current: z.boolean(),
});

export async function sessionsListRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  // Listing reads the customer's index and records: a per-session budget keeps that bounded too.
  const listLimit = app.keyedLimit('sessions-list', 'session', app.config.sessionListPerMinute);

  routes.get('/auth/sessions', {
    schema: {
      summary: "The customer's active sessions",
      operationId: 'listSessions',
      'x-session': 'requires',
      response: { 200: z.array(sessionItem), ...problems(400, 401, 429, 503) },
    },
    handler: async (request, reply) => {
      const current = await requireSession(app, request);
      await listLimit(request, current.session.sid);
      reply.header('cache-control', 'no-store');
      return (await sessionsOf(app, current)).map((s) => ({
        id: handleOf(s.sid),
        created_at: new Date(s.data.createdAt).toISOString(),
        last_seen_at: new Date(s.data.lastSeenAt).toISOString(),
        user_agent: s.data.userAgent ?? null,
        current: s.sid === current.session.sid,
      }));
    },
  });

  routes.delete('/auth/sessions/:id', {
    schema: {
      summary: 'End one of the customer’s sessions and revoke its tokens upstream',
      operationId: 'revokeSession',
      'x-session': 'requires',
      // Any string: a handle of the wrong shape is as unknown as any other (404, never 400).
      params: z.strictObject({ id: z.string().describe('Public handle from GET /auth/sessions') }),
      response: { 204: z.null().describe('No content'), ...problems(400, 401, 403, 404, 503) },
    },
    handler: async (request, reply) => {
      const current = await requireSession(app, request);
      const target = (await sessionsOf(app, current)).find((s) => handleOf(s.sid) === request.params.id);
      if (!target) throw new AppError('SESSION_NOT_FOUND');
      await app.sessionEnding.endSessions([target], 'user', callContext(request));
      if (target.sid === current.session.sid) clearSessionCookie(reply, app.config.session);
      return reply.code(204).send(null);
    },
  });

  routes.delete('/auth/sessions', {
    schema: {
      summary: 'End every other session of the customer',
      operationId: 'revokeOtherSessions',
      'x-session': 'requires',
      response: { 204: z.null().describe('No content'), ...problems(400, 401, 403, 503) },
    },
    handler: async (request, reply) => {
      const current = await requireSession(app, request);
      const { customerId } = current.session.data;
      // Paged, with bounded concurrency upstream (session-ending.ts); a guest has no other sessions.
      if (customerId !== undefined) {
        await app.sessionEnding.endCustomer(customerId, { reason: 'user', ctx: callContext(request), keepSid: current.session.sid });
      }
      return reply.code(204).send(null);
    },
  });
}

async function sessionsOf(app: FastifyInstance, current: CurrentSession): Promise<LoadedSession[]> {
  const customerId = current.session.data.customerId;
  if (customerId === undefined) return [current.session];
  // At most SESSIONS_PER_CUSTOMER_MAX are live, so this read is bounded (and paged).
  const sessions = await app.sessionEnding.listCustomer(customerId, app.config.sessionsPerCustomerMax + 1);
  return sessions.some((s) => s.sid === current.session.sid) ? sessions : [current.session, ...sessions];
}
