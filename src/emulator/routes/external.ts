// §5.15: SSO start. The emulator is its own fake IDP: it signs the user in at once (creating or linking
// `<idpKey>-user@example.test`) and sends the browser to callbackUrl with a one-time authorization code.
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { gate } from '../gate.js';
import { fail } from '../http.js';
import { verifyShopJwt } from '../shop-jwt.js';
import { randomToken } from '../state.js';

export function externalRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { settings, state } = ctx;

  app.get('/v1/auth/external/redirect', { onRequest: gate(ctx, 'external-redirect') }, async (request, reply) => {
    const claims = await verifyShopJwt(ctx, request, reply, ['callbackUrl', 'idpKey', 'clientId']);
    if (!claims) return reply;
    // SCAYLE's storefront sends clientId as a string; accept a number too, compared as text.
    if (typeof claims.idpKey !== 'string' || claims.idpKey === '' || String(claims.clientId) !== settings.clientId) {
      return fail(reply, 400, 'invalid_jwt', 'The JWT names an unknown client or IDP.');
    }
    const callback = new URL(String(claims.callbackUrl));
    if (settings.externalRedirectError !== undefined) {
      callback.searchParams.set('error', settings.externalRedirectError);
      return reply.redirect(callback.toString(), 302);
    }
    const email = `${claims.idpKey}-user@example.test`;
    const customer =
      state.findRegisteredByEmail(email) ??
      state.addCustomer({ email, firstName: 'Idp', lastName: 'User', guest: false, idp: claims.idpKey });
    const code = randomToken(24);
    state.authCodes.set(code, {
      value: customer.id,
      expiresAt: ctx.now() + settings.authCodeTtlSeconds * 1000,
      used: false,
    });
    // Existing query parameters (e.g. the shop's redirectUrl) must survive, as SCAYLE's do.
    callback.searchParams.set('code', code);
    return reply.redirect(callback.toString(), 302);
  });
}
