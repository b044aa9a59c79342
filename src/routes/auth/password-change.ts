// POST /auth/password/change: a logged-in customer changes the password (SCAYLE's Bearer
// `PUT /v1/auth/password`). Every other session of the customer ends; the current one stays and, when
// SCAYLE answers with a new pair (it revoked the old family), carries that pair from now on.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { replaceTokens } from '../../sessions/token-replacement.js';
import { newPassword, problems } from '../../http/schemas.js';
import { rethrowPasswordPolicy } from '../../http/password-policy.js';
import { callContext, requireSession } from '../../http/current-session.js';

export async function passwordChangeRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  // Per account, like login's per-e-mail budget: guessing the current password from many IPs is capped too.
  const accountLimit = app.keyedLimit('password-change', 'account', app.config.rateLimit.emailPerMinute);

  routes.post('/auth/password/change', {
    schema: {
      summary: "Change the customer's password; the customer's other sessions end",
      operationId: 'changePassword',
      'x-session': 'requires',
      body: z.strictObject({ current_password: z.string().min(1).max(256), new_password: newPassword }),
      response: { 204: z.null().describe('No content'), ...problems(400, 401, 403, 413, 415, 429, 502, 503, 504) },
    },
    preHandler: app.credentialLimits('password-change'),
    handler: async (request, reply) => {
      const ctx = callContext(request);
      const current = await requireSession(app, request);
      const { customerId, guest } = current.session.data;
      if (guest || customerId === undefined) throw new AppError('FORBIDDEN', { detail: 'A guest session has no password to change' });
      await accountLimit(request, customerId);

      const fresh = await app.refresher.ensureFresh(current.session, ctx);
      const tokens = await app.scayle
        .changePassword(fresh.data.accessToken, request.body.current_password, request.body.new_password, ctx)
        .catch((error: unknown) => rethrowPasswordPolicy(error, 'new_password'));
      if (tokens !== undefined) {
        const verified = await app.verifier.verify(tokens.accessToken);
        if (!(await replaceTokens(app.sessions, fresh, tokens, verified))) {
          // The session ended meanwhile: nobody will hold this pair.
          await app.scayle.logout(tokens.accessToken, ctx).catch(() => undefined);
        }
      }
      await app.sessionEnding.endCustomer(customerId, { reason: 'password', ctx, keepSid: current.session.sid });
      return reply.code(204).header('cache-control', 'no-store').send(null);
    },
  });
}
