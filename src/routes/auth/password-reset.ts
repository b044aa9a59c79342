// POST /auth/password/reset-email and POST /auth/password/update: the forgotten-password flow (seeds
// 001, 002). The reset ends every session the customer holds here, on every instance (the per-customer
// index), because SCAYLE has revoked all their older tokens; the pair update-by-hash returns is revoked
// too, so the customer logs in with the new password.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { latestResetLink } from '../../dev/reset-outbox.js';
import { AppError } from '../../errors.js';
import { email, newPassword, problems } from '../../http/schemas.js';
import { rethrowPasswordPolicy } from '../../http/password-policy.js';
import { callContext } from '../../http/current-session.js';

const sentResponse = z.object({
  _debug_reset_url: z.string().optional().describe('Dev mode only: the link the e-mail would contain'),
});

export async function passwordResetRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { config } = app;
  if (config.passwordResetUrl === undefined && !config.devMode) {
    app.log.warn('PASSWORD_RESET_URL is unset: POST /auth/password/reset-email answers 503 until it is configured');
  }

  /** PASSWORD_RESET_URL; in dev mode by default the demo page of the origin the request came to. */
  const resetUrlFor = (request: FastifyRequest): string | undefined =>
    config.passwordResetUrl ?? (config.devMode ? `${request.protocol}://${request.host}/demo/?reset_hash={hash}` : undefined);

  routes.post('/auth/password/reset-email', {
    schema: {
      summary: 'E-mail a password reset link; 202 whether or not the address is known',
      operationId: 'sendPasswordResetEmail',
      body: z.strictObject({ email }),
      response: { 202: sentResponse, ...problems(400, 403, 413, 415, 429, 502, 503, 504) },
    },
    preHandler: app.credentialLimits('password-reset'),
    handler: async (request, reply) => {
      const resetUrl = resetUrlFor(request);
      if (resetUrl === undefined) throw new AppError('SERVICE_UNAVAILABLE', { detail: 'Password reset is not configured' });
      await app.scayle.sendResetEmail(request.body.email, resetUrl, callContext(request));
      // The link is a credential: only ever shown when the upstream is our own emulator.
      const link = config.devMode && config.scayle.baseUrl ? await latestResetLink(config.scayle.baseUrl, request.body.email) : undefined;
      return reply
        .code(202)
        .header('cache-control', 'no-store')
        .send(link === undefined ? {} : { _debug_reset_url: link });
    },
  });

  routes.post('/auth/password/update', {
    schema: {
      summary: 'Set a new password with the hash from the reset e-mail; ends every session of the customer',
      operationId: 'updatePassword',
      body: z.strictObject({ hash: z.string().trim().min(1).max(512), password: newPassword }),
      response: { 204: z.null().describe('No content'), ...problems(400, 403, 413, 415, 429, 502, 503, 504) },
    },
    // Hashes are unguessable, but guessing still costs SCAYLE calls: the per-IP budget applies.
    preHandler: app.credentialLimits('password-update'),
    handler: async (request, reply) => {
      const ctx = callContext(request);
      const startedAt = app.sessions.now();
      const tokens = await app.scayle
        .updatePasswordByHash(request.body.hash, request.body.password, ctx)
        .catch((error: unknown) => rethrowPasswordPolicy(error, 'password'));
      try {
        const { customerId } = await app.verifier.verify(tokens.accessToken);
        // Sessions started after the reset began already use the new password; SCAYLE revoked the rest.
        if (customerId !== undefined) {
          await app.sessionEnding.endCustomer(customerId, { reason: 'password', ctx, createdBefore: startedAt, revoke: false });
        }
      } finally {
        await app.scayle.logout(tokens.accessToken, ctx).catch((error: unknown) => {
          request.log.warn({ err: error }, 'revoking the token pair update-by-hash returned failed');
        });
      }
      return reply.code(204).send(null);
    },
  });
}
