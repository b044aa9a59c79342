// §5.1–5.3: register, password login and guest login (Basic auth), each answering a fresh token family.
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { checkExternalPassword } from '../external-password.js';
import { gate } from '../gate.js';
import { checkClient, fail, parseBody } from '../http.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import { guestBody, loginBody, registerBody } from '../schemas.js';
import { issueForCustomer } from '../tokens.js';

export function accountRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { settings, state } = ctx;

  app.post('/v1/auth/register', { onRequest: gate(ctx, 'register') }, async (request, reply) => {
    if (!checkClient(ctx, request, reply)) return reply;
    const body = parseBody(registerBody(settings.shopId), request.body, reply);
    if (!body) return reply;
    if (body.password.length < settings.passwordMinLength) {
      return fail(reply, 422, 'validation_error', 'The password does not satisfy the password policy.', {
        fields: ['password'],
      });
    }
    if (state.findRegisteredByEmail(body.email)) {
      return fail(reply, 409, 'conflict', 'A customer with this e-mail address already exists.');
    }
    const customer = state.addCustomer({
      email: body.email,
      firstName: body.first_name,
      lastName: body.last_name,
      gender: body.gender,
      guest: false,
      passwordHash: await hashPassword(body.password),
    });
    return reply.code(settings.registerStatus).send(await issueForCustomer(ctx, customer));
  });

  app.post('/v1/auth/login', { onRequest: gate(ctx, 'login') }, async (request, reply) => {
    if (!checkClient(ctx, request, reply)) return reply;
    const body = parseBody(loginBody(settings.shopId), request.body, reply);
    if (!body) return reply;
    const customer = state.findRegisteredByEmail(body.email);
    if (!customer) {
      const status = settings.unknownEmailStatus ?? settings.wrongPasswordStatus;
      return fail(reply, status, 'invalid_credentials', 'The user credentials were incorrect.');
    }
    // Seed 001: a migrated customer's first login is checked by the shop's validation service.
    const external = customer.externalPassword === true && customer.passwordHash === undefined;
    const valid = external
      ? await checkExternalPassword(state, settings.externalPasswordValidation, customer, body.password)
      : await verifyPassword(body.password, customer.passwordHash);
    if (!valid) {
      return fail(reply, settings.wrongPasswordStatus, 'invalid_credentials', 'The user credentials were incorrect.');
    }
    return reply.code(200).send(await issueForCustomer(ctx, customer));
  });

  app.post('/v1/auth/login/guest', { onRequest: gate(ctx, 'guest') }, async (request, reply) => {
    if (!checkClient(ctx, request, reply)) return reply;
    const body = parseBody(guestBody(settings.shopId), request.body, reply);
    if (!body) return reply;
    if (settings.guestConflictsWithRegistered && state.findRegisteredByEmail(body.email)) {
      return fail(reply, 409, 'conflict', 'A registered customer with this e-mail address exists.');
    }
    // Each guest login is a new guest customer: whether SCAYLE reuses one per e-mail is [UNKNOWN].
    const customer = state.addCustomer({
      email: body.email,
      firstName: body.first_name,
      lastName: body.last_name,
      gender: body.gender,
      guest: true,
    });
    return reply.code(200).send(await issueForCustomer(ctx, customer));
  });
}
