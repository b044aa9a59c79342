// POST /auth/magic-link and /auth/magic-link/login: password-less login by e-mailed link (seed 004's
// by-link API). The link opens the storefront page (MAGIC_LINK_URL, configured at SCAYLE too), which
// POSTs the token here.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { resolveClient } from '../../http/credentials.js';
import { callContext } from '../../http/current-session.js';
import { issueSession } from '../../http/issue-session.js';
import { email, problems, tokenResponse } from '../../http/schemas.js';

const sentResponse = z.object({
  _debug_auth_link: z.string().optional().describe('Dev mode only: the link the e-mail would contain'),
});

export async function magicLinkRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post('/auth/magic-link', {
    schema: {
      summary: 'E-mail a login link; 202 whether or not the address is known',
      operationId: 'sendMagicLink',
      body: z.strictObject({ email }),
      response: { 202: sentResponse, ...problems(400, 403, 413, 415, 429, 502, 503, 504) },
    },
    preHandler: app.credentialLimits('magic-link'),
    handler: async (request, reply) => {
      const sent = await app.scayle.sendMagicLink(request.body.email, callContext(request));
      // The debug link is a login credential: only ever shown when the upstream is our own emulator.
      const body = app.config.devMode && sent.debugLink !== undefined ? { _debug_auth_link: sent.debugLink } : {};
      return reply.code(202).header('cache-control', 'no-store').send(body);
    },
  });

  routes.post('/auth/magic-link/login', {
    schema: {
      summary: 'Exchange a magic-link token for a session',
      operationId: 'magicLinkLogin',
      'x-session': 'creates',
      description: 'A session the request carries (cookie or Token) is ended first.',
      body: z.strictObject({ token: z.string().trim().min(1).max(512) }),
      response: { 200: tokenResponse, ...problems(400, 401, 403, 413, 415, 429, 502, 503, 504) },
    },
    // Tokens are unguessable, but guessing still costs SCAYLE calls: the per-IP budget applies.
    preHandler: app.credentialLimits('magic-link-login'),
    handler: async (request, reply) => {
      const client = resolveClient(request, app.config.clientKeys);
      const tokens = await app.scayle.magicLinkLogin(request.body.token, callContext(request));
      return issueSession(app, request, reply, tokens, { guest: false, client });
    },
  });
}
