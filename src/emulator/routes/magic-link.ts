// Seed 004: password-less login by e-mailed link. Send answers `_debug_auth_link` (this is a dev server,
// as seed 004 describes); login exchanges the one-time token for a token response plus `token`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { gate } from '../gate.js';
import { checkClient, checkClientKey, fail, fillPlaceholder, parseBody } from '../http.js';
import { magicLinkBody, magicLoginBody } from '../schemas.js';
import { consumeGrant, randomToken } from '../state.js';
import { issueForCustomer } from '../tokens.js';

export function magicLinkRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { settings, state } = ctx;

  const send = (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkClient(ctx, request, reply)) return reply;
    const body = parseBody(magicLinkBody, request.body, reply);
    if (!body) return reply;
    const known = state.findRegisteredByEmail(body.email);
    // Same 200 either way, so the endpoint cannot be used to test which e-mails have accounts.
    if (!known && !settings.magicLinkCreatesCustomer) return reply.code(200).send({});
    const token = randomToken(24);
    state.magicTokens.set(token, {
      value: known?.email ?? body.email,
      expiresAt: ctx.now() + settings.magicLinkTtlSeconds * 1000,
      used: false,
    });
    const link = fillPlaceholder(settings.magicLinkUrl, 'token', token);
    state.outbox.push({ kind: 'magic-link', email: body.email, link, token });
    return reply.code(200).send({ _debug_auth_link: link });
  };

  const login = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkClient(ctx, request, reply)) return reply;
    const body = parseBody(magicLoginBody, request.body, reply);
    if (!body) return reply;
    if (!checkClientKey(ctx, body.client_key, reply)) return reply;
    const email = consumeGrant(state.magicTokens, body.token, ctx.now());
    if (email === undefined) return fail(reply, 400, 'invalid_token', 'The link token is invalid, expired or used.');
    const tokens = await issueForCustomer(ctx, state.findOrCreatePasswordless(email));
    return reply.code(200).send({ ...tokens, token: tokens.access_token });
  };

  // Seed 004 writes the paths with a trailing slash; accept both spellings.
  for (const path of ['/v1/auth/by-link/link/', '/v1/auth/by-link/link']) {
    app.post(path, { onRequest: gate(ctx, 'magic-link.send') }, send);
  }
  for (const path of ['/v1/auth/by-link/login/', '/v1/auth/by-link/login']) {
    app.post(path, { onRequest: gate(ctx, 'magic-link.login') }, login);
  }
}
