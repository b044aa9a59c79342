// §5.7–5.8: Bearer logout, and the logout redirect chain (no IDP here, so it revokes and bounces straight
// to callbackUrl, SCAYLE's behaviour when isLogoutRedirectEnabled is off).
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { gate } from '../gate.js';
import { checkBearer, checkShopHeader, done } from '../http.js';
import { verifyShopJwt } from '../shop-jwt.js';

export function logoutRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx;

  app.post('/v1/auth/logout', { onRequest: gate(ctx, 'logout') }, async (request, reply) => {
    const caller = await checkBearer(ctx, request, reply);
    if (!caller) return reply;
    if (!checkShopHeader(ctx, request, reply)) return reply;
    // "Revokes the currently used access token and its refresh token" — i.e. the whole sign-in.
    state.revokeFamily(caller.familyId);
    return done(ctx, reply);
  });

  app.get('/v1/auth/logout/redirect', { onRequest: gate(ctx, 'logout-redirect') }, async (request, reply) => {
    const claims = await verifyShopJwt(ctx, request, reply, ['callbackUrl']);
    if (!claims) return reply;
    // [INF] tokenId is an access-token jti; an unknown one is ignored so the browser still gets home.
    if (typeof claims.tokenId === 'string') {
      const token = state.accessTokens.get(claims.tokenId);
      if (token) state.revokeFamily(token.familyId);
    }
    return reply.redirect(String(claims.callbackUrl), 302);
  });
}
