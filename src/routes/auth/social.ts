// POST /auth/social/login and /auth/social/login/:provider: seed 004's social login by provider code.
// The storefront (or app) did the provider's OAuth dance itself; SCAYLE turns the code into tokens.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { isAllowedUrl } from '../../sso/allow-list.js';
import { issueSession } from '../../http/issue-session.js';
import { problems, tokenResponse } from '../../http/schemas.js';
import { resolveClient } from '../../http/credentials.js';
import { callContext } from '../../http/current-session.js';

const provider = z.string().trim().min(1).max(64);
const codeFields = { code: z.string().trim().min(1).max(2048), redirect_uri: z.string().trim().min(1).max(2048) };
const responses = { 200: tokenResponse, ...problems(400, 401, 403, 404, 413, 415, 429, 502, 503, 504) };

export async function socialLoginRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const providers = new Set(app.config.socialProviders);

  const login = async (request: FastifyRequest, reply: FastifyReply, input: { provider: string; code: string; redirect_uri: string }) => {
    // A provider SCAYLE knows but the shop did not enable is unknown here: the shop decides.
    if (!providers.has(input.provider)) throw new AppError('PROVIDER_UNKNOWN');
    if (!isAllowedUrl(input.redirect_uri, app.config.socialRedirectUris)) {
      throw new AppError('REDIRECT_NOT_ALLOWED', { detail: 'redirect_uri is not allowed' });
    }
    const client = resolveClient(request, app.config.clientKeys);
    const tokens = await app.scayle.socialLogin(input.provider, input.code, input.redirect_uri, callContext(request));
    return issueSession(app, request, reply, tokens, { guest: false, client });
  };

  routes.post('/auth/social/login', {
    schema: {
      summary: 'Log in with a social provider code (provider in the body)',
      operationId: 'socialLoginByBody',
      'x-session': 'creates',
      body: z.strictObject({ provider, ...codeFields }),
      response: responses,
    },
    preHandler: app.credentialLimits('social-login'),
    handler: (request, reply) => login(request, reply, request.body),
  });

  routes.post('/auth/social/login/:provider', {
    schema: {
      summary: 'Log in with a social provider code (provider in the path)',
      operationId: 'socialLogin',
      'x-session': 'creates',
      params: z.strictObject({ provider }),
      body: z.strictObject(codeFields),
      response: responses,
    },
    preHandler: app.credentialLimits('social-login'),
    handler: (request, reply) => login(request, reply, { provider: request.params.provider, ...request.body }),
  });
}
