// POST /auth/register, /auth/login and /auth/login/guest: SCAYLE's credential calls, each answered with
// a new session and the token response.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { resolveClient } from '../../http/credentials.js';
import { callContext } from '../../http/current-session.js';
import { issueSession } from '../../http/issue-session.js';
import { guestBody, loginBody, problems, registerBody, tokenResponse } from '../../http/schemas.js';
import { pickProfile, profileShape } from '../../enrichment/profile-fields.js';

export async function loginRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  // issue 17 part 4: REGISTER_PROFILE_FIELDS extend the (still strict) body; they never reach the Auth API.
  const profileFields = app.enrichment?.settings.profileFields ?? [];
  // Typed as the base body: the handler reads the profile values by name (pickProfile), the schema validates them.
  const registerSchema = (
    profileFields.length > 0 ? registerBody.extend(profileShape(profileFields)) : registerBody
  ) as typeof registerBody;

  routes.post('/auth/register', {
    schema: {
      summary: 'Register a customer and start a session',
      operationId: 'register',
      'x-session': 'creates',
      description: 'A session the request carries (cookie or Token) is ended first.',
      body: registerSchema,
      response: { 201: tokenResponse, ...problems(400, 401, 403, 409, 413, 415, 429, 502, 503, 504) },
    },
    preHandler: app.credentialLimits('register'),
    handler: async (request, reply) => {
      const client = resolveClient(request, app.config.clientKeys);
      const b = request.body;
      const tokens = await app.registrations.once(b.email, () =>
        app.scayle.register(
          { gender: b.gender, firstName: b.first_name, lastName: b.last_name, email: b.email, password: b.password },
          callContext(request),
        ),
      );
      const body = await issueSession(app, request, reply, tokens, { guest: false, client });
      const profile = pickProfile(profileFields, b);
      // Not awaited: the answer never waits for the queue (enqueue logs its own failures, never rejects).
      if (app.enrichment && body.customer.id !== undefined && Object.keys(profile).length > 0) {
        void app.enrichment.enqueue(body.customer.id, profile, request.id);
      }
      return reply.code(201).send(body);
    },
  });

  routes.post('/auth/login', {
    schema: {
      summary: 'Log a customer in and start a session',
      operationId: 'login',
      'x-session': 'creates',
      description: 'A session the request carries (cookie or Token) is ended first.',
      body: loginBody,
      response: { 200: tokenResponse, ...problems(400, 401, 403, 413, 415, 429, 502, 503, 504) },
    },
    preHandler: app.credentialLimits('login'),
    handler: async (request, reply) => {
      const client = resolveClient(request, app.config.clientKeys);
      const tokens = await app.scayle.login({ email: request.body.email, password: request.body.password }, callContext(request));
      return issueSession(app, request, reply, tokens, { guest: false, client });
    },
  });

  routes.post('/auth/login/guest', {
    schema: {
      summary: 'Start a guest session (no password)',
      operationId: 'guestLogin',
      'x-session': 'creates',
      description: 'A session the request carries (cookie or Token) is ended first.',
      body: guestBody,
      response: { 200: tokenResponse, ...problems(400, 401, 403, 409, 413, 415, 429, 502, 503, 504) },
    },
    preHandler: app.credentialLimits('guest'),
    handler: async (request, reply) => {
      const client = resolveClient(request, app.config.clientKeys);
      const b = request.body;
      const tokens = await app.scayle.guestLogin(
        { gender: b.gender, firstName: b.first_name, lastName: b.last_name, email: b.email },
        callContext(request),
      );
      return issueSession(app, request, reply, tokens, { guest: true, client });
    },
  });
}
