// §5.4–5.6: reset e-mail (captured in the outbox), update-by-hash (logs in, kills older tokens) and
// password change with a Bearer token.
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { gate } from '../gate.js';
import { checkBearer, checkClient, done, fail, fillPlaceholder, parseBody } from '../http.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import { changePasswordBody, resetEmailBody, updateByHashBody } from '../schemas.js';
import { consumeGrant, peekGrant, randomToken } from '../state.js';
import { issueForCustomer } from '../tokens.js';

export function passwordRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { settings, state } = ctx;
  const weakPassword = (reply: Parameters<typeof fail>[0], field: string) =>
    fail(reply, 422, 'validation_error', 'The password does not satisfy the password policy.', { fields: [field] });

  app.post('/v1/auth/password/send-reset-email', { onRequest: gate(ctx, 'reset-email') }, (request, reply) => {
    if (!checkClient(ctx, request, reply)) return reply;
    const body = parseBody(resetEmailBody(settings.shopId), request.body, reply);
    if (!body) return reply;
    const customer = state.findRegisteredByEmail(body.email);
    if (!customer) {
      if (settings.resetUnknownEmailStatus === 404) return fail(reply, 404, 'not_found', 'Customer not found.');
      return done(ctx, reply);
    }
    const hash = randomToken(24);
    state.resetHashes.set(hash, {
      value: customer.id,
      expiresAt: ctx.now() + settings.resetHashTtlSeconds * 1000,
      used: false,
    });
    const link = fillPlaceholder(body.reset_url, 'hash', hash);
    state.outbox.push({ kind: 'password-reset', email: customer.email, link, token: hash });
    return done(ctx, reply);
  });

  app.put('/v1/auth/password/update-by-hash', { onRequest: gate(ctx, 'update-by-hash') }, async (request, reply) => {
    if (!checkClient(ctx, request, reply)) return reply;
    const body = parseBody(updateByHashBody(settings.shopId), request.body, reply);
    if (!body) return reply;
    // Peek before the policy check so a weak password does not burn the customer's reset link.
    const customerId = peekGrant(state.resetHashes, body.hash, ctx.now());
    const customer = customerId === undefined ? undefined : state.customers.get(customerId);
    if (!customer) return fail(reply, 400, 'invalid_hash', 'The password reset hash is invalid or expired.');
    if (body.password.length < settings.passwordMinLength) return weakPassword(reply, 'password');
    consumeGrant(state.resetHashes, body.hash, ctx.now());
    customer.passwordHash = await hashPassword(body.password);
    // "All older tokens of the User are also invalidated" (§5.5).
    state.revokeCustomerFamilies(customer.id);
    return reply.code(200).send(await issueForCustomer(ctx, customer));
  });

  app.put('/v1/auth/password', { onRequest: gate(ctx, 'password') }, async (request, reply) => {
    const caller = await checkBearer(ctx, request, reply);
    if (!caller) return reply;
    const body = parseBody(changePasswordBody, request.body, reply);
    if (!body) return reply;
    const customer = state.customers.get(caller.customerId);
    if (!customer || !(await verifyPassword(body.password, customer.passwordHash))) {
      return fail(reply, 400, 'invalid_password', 'The current password is incorrect.');
    }
    if (body.new_password.length < settings.passwordMinLength) return weakPassword(reply, 'new_password');
    customer.passwordHash = await hashPassword(body.new_password);
    if (settings.passwordChangeReturnsTokens) {
      // The variant where every older token dies, the caller's too, and the caller gets a new pair.
      state.revokeCustomerFamilies(customer.id);
      return reply.code(200).send(await issueForCustomer(ctx, customer));
    }
    if (settings.passwordChangeRevokesOthers) state.revokeCustomerFamilies(customer.id, caller.familyId);
    return done(ctx, reply);
  });
}
