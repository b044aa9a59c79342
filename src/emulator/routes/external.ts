// §5.15–5.16: SSO. external/redirect checks the shop's JWT (signature, expiry, client, allow-listed
// callback) and sends the browser to the fake IdP's login page (idp-page.ts); the IdP returns to
// external/callback, which mints SCAYLE's one-time authorization code and bounces to callbackUrl?code=.
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { gate } from '../gate.js';
import { fail } from '../http.js';
import type { Customer } from '../records.js';
import { verifyShopJwt } from '../shop-jwt.js';
import { randomToken } from '../state.js';
import { createIdpLogins, idpPageRoutes, IDP_LOGIN_PATH } from '../idp-page.js';

export function externalRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { settings, state } = ctx;
  const logins = createIdpLogins(ctx);

  /** SCAYLE's one-time code for `customer`, on `callbackUrl` (whose own query parameters survive). */
  const bounce = (callbackUrl: string, customer: Customer): string => {
    const code = randomToken(24);
    state.authCodes.set(code, { value: customer.id, expiresAt: ctx.now() + settings.authCodeTtlSeconds * 1000, used: false });
    const target = new URL(callbackUrl);
    target.searchParams.set('code', code);
    return target.toString();
  };
  const idpCustomer = (email: string, idpKey: string): Customer =>
    state.findRegisteredByEmail(email) ?? state.addCustomer({ email, firstName: 'Idp', lastName: 'User', guest: false, idp: idpKey });

  app.get('/v1/auth/external/redirect', { onRequest: gate(ctx, 'external-redirect') }, async (request, reply) => {
    const claims = await verifyShopJwt(ctx, request, reply, ['callbackUrl', 'idpKey', 'clientId']);
    if (!claims) return reply;
    // SCAYLE's storefront sends clientId as a string; accept a number too, compared as text.
    if (typeof claims.idpKey !== 'string' || claims.idpKey === '' || String(claims.clientId) !== settings.clientId) {
      return fail(reply, 400, 'invalid_jwt', 'The JWT names an unknown client or IDP.');
    }
    const callback = new URL(String(claims.callbackUrl));
    const allowed = settings.externalCallbackUrls;
    if (allowed !== undefined && !allowed.some((entry) => sameTarget(entry, callback))) {
      return fail(reply, 400, 'invalid_jwt', 'The callbackUrl is not configured for this shop.');
    }
    if (settings.externalRedirectError !== undefined) {
      callback.searchParams.set('error', settings.externalRedirectError);
      return reply.redirect(callback.toString(), 302);
    }
    if (settings.idpAutoLogin)
      return reply.redirect(bounce(callback.toString(), idpCustomer(`${claims.idpKey}-user@example.test`, claims.idpKey)), 302);
    const flow = logins.begin(claims.idpKey, callback.toString());
    return reply.redirect(`${IDP_LOGIN_PATH}?flow=${encodeURIComponent(flow)}`, 302);
  });

  // Where the IdP sends the browser back (§5.16): `state` names the login, `code` is the IdP's own.
  app.get('/v1/auth/external/callback', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const finished = typeof query.state === 'string' ? logins.finish(query.state, query.code) : undefined;
    if (!finished) return fail(reply, 400, 'invalid_request', 'Unknown, expired or used IdP login.');
    if (finished.email === undefined) {
      const target = new URL(finished.callbackUrl);
      target.searchParams.set('error', 'access_denied');
      return reply.redirect(target.toString(), 302);
    }
    return reply.redirect(bounce(finished.callbackUrl, idpCustomer(finished.email, finished.idpKey)), 302);
  });

  idpPageRoutes(app, logins);
}

/** Scheme, host, port and path exactly, as SCAYLE's callback whitelist compares them. */
function sameTarget(entry: string, candidate: URL): boolean {
  try {
    const allowed = new URL(entry);
    return allowed.origin === candidate.origin && allowed.pathname === candidate.pathname;
  } catch {
    return false;
  }
}
