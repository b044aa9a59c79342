// Seed 004: social login by provider code, with the provider in the body or in the path. Codes are either
// `valid-<name>` (test shortcut, e-mail `<name>@<provider>.example.test`) or issued by state.issueSocialCode.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { gate } from '../gate.js';
import { checkClient, checkClientKey, fail, parseBody } from '../http.js';
import { socialBody } from '../schemas.js';
import { issueForCustomer } from '../tokens.js';

/** The e-mail a code stands for at `provider`, consuming issued codes; undefined for a bad code. */
function redeemCode(ctx: EmulatorContext, provider: string, code: string): string | undefined {
  const shortcut = /^valid-(.+)$/.exec(code);
  // The shortcut stays reusable on purpose: tests can log the same person in repeatedly.
  if (shortcut?.[1]) return `${shortcut[1]}@${provider}.example.test`;
  const issued = ctx.state.socialCodes.get(code);
  if (!issued || issued.used || issued.provider !== provider) return undefined;
  issued.used = true;
  return issued.email;
}

export function socialRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const handler = async (request: FastifyRequest<{ Params: { provider?: string } }>, reply: FastifyReply) => {
    if (!checkClient(ctx, request, reply)) return reply;
    const raw = typeof request.body === 'object' && request.body !== null ? request.body : {};
    const fromPath = request.params.provider;
    const body = parseBody(socialBody, fromPath ? { ...raw, provider: fromPath } : raw, reply);
    if (!body) return reply;
    if (!checkClientKey(ctx, body.client_key, reply)) return reply;
    const email = redeemCode(ctx, body.provider, body.code);
    if (email === undefined) return fail(reply, 400, 'invalid_code', 'The provider code is invalid.');
    const tokens = await issueForCustomer(ctx, ctx.state.findOrCreatePasswordless(email, body.provider));
    // `token` mirrors the by-link login answer: seed 004's API returns the same login shape for both.
    return reply.code(200).send({ ...tokens, token: tokens.access_token });
  };

  const paths = ['/v1/auth/social/login/', '/v1/auth/social/login'];
  for (const path of [...paths, '/v1/auth/social/login/:provider/', '/v1/auth/social/login/:provider']) {
    app.post<{ Params: { provider?: string } }>(path, { onRequest: gate(ctx, 'social.login') }, handler);
  }
}
