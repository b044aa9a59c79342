// §5.10–5.12 and §5.14: the token endpoint (refresh and code exchange), validate, revoke-by-jti and JWKS.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { gate } from '../gate.js';
import { checkBearer, checkClient, checkShopHeader, done, fail, parseBody } from '../http.js';
import { tokenBody } from '../schemas.js';
import { consumeGrant } from '../state.js';
import type { EndpointName } from '../records.js';
import { issueForCustomer, refresh } from '../tokens.js';

/** The counter a token request belongs to, decided from the raw body before anything else runs. */
function tokenEndpoint(request: FastifyRequest): EndpointName {
  const grant = (request.body as { grant_type?: unknown } | undefined)?.grant_type;
  return grant === 'authorization_code' ? 'token.code' : 'token.refresh';
}

export function oauthRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { settings, state } = ctx;
  const invalidGrant = (reply: FastifyReply, message: string) => fail(reply, settings.invalidGrantStatus, 'invalid_grant', message);

  // The grant type lives in the body, so counting and faults wait until the body is parsed.
  app.post(
    '/v1/oauth/token',
    { preValidation: (request, reply) => gate(ctx, tokenEndpoint(request)).call(app, request, reply) },
    async (request, reply) => {
      if (!checkClient(ctx, request, reply)) return reply;
      const grantType = (request.body as { grant_type?: unknown } | undefined)?.grant_type;
      if (typeof grantType === 'string' && !['refresh_token', 'authorization_code'].includes(grantType)) {
        return fail(reply, 400, 'unsupported_grant_type', 'The authorization grant type is not supported.');
      }
      const body = parseBody(tokenBody, request.body, reply);
      if (!body) return reply;

      if (body.grant_type === 'refresh_token') {
        const outcome = await refresh(ctx, body.refresh_token);
        if (!outcome.ok) return invalidGrant(reply, 'The refresh token is invalid, expired, revoked or used.');
        return reply.code(200).send(outcome.tokens);
      }
      const customerId = consumeGrant(state.authCodes, body.code, ctx.now());
      const customer = customerId === undefined ? undefined : state.customers.get(customerId);
      // A bad code is a 400 whatever invalidGrantStatus says: only a dead refresh token means "log out".
      if (!customer) return fail(reply, 400, 'invalid_grant', 'The authorization code is invalid, expired or used.');
      return reply.code(200).send(await issueForCustomer(ctx, customer));
    },
  );

  app.get('/v1/oauth/token/validate', { onRequest: gate(ctx, 'validate') }, async (request, reply) => {
    if (!(await checkBearer(ctx, request, reply))) return reply;
    return reply.code(200).send({});
  });

  app.delete<{ Params: { jti: string } }>('/v1/oauth/tokens/:jti', { onRequest: gate(ctx, 'revoke') }, async (request, reply) => {
    const caller = await checkBearer(ctx, request, reply);
    if (!caller) return reply;
    if (!checkShopHeader(ctx, request, reply)) return reply;
    const target = state.accessTokens.get(request.params.jti);
    // Another customer's token is indistinguishable from an unknown one, so ids cannot be probed.
    if (!target || target.customerId !== caller.customerId) {
      return fail(reply, 404, 'not_found', 'Token not found.');
    }
    state.revokeFamily(target.familyId);
    return done(ctx, reply);
  });

  app.get('/.well-known/jwks.json', { onRequest: gate(ctx, 'jwks') }, (_request, reply) =>
    reply.code(200).header('cache-control', 'public, max-age=600').send(ctx.keys.jwks()),
  );
}
