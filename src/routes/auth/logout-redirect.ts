// GET /auth/logout/redirect?callback_url=: logout through SCAYLE's browser redirect (§5.8), which also
// ends an identity provider's session. The local session ends and the cookie is cleared in the same
// answer; without a session the browser is still sent on, so SCAYLE can end its own.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { urlMatchKey } from '../../config-lists.js';
import { AppError, isAppError } from '../../errors.js';
import { clearSessionCookie } from '../../http/session-cookie.js';
import { signRedirectJwt } from '../../tokens/redirect-jwt.js';
import { parseBaseUrl } from '../../upstream/base-url.js';
import { callContext, findSession } from '../../http/current-session.js';
import { problems } from '../../http/schemas.js';

/** The JWT's lifetime; SCAYLE's page only has to load once. */
const JWT_TTL_SECONDS = 300;

export async function logoutRedirectRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { config } = app;
  const allowed = new Set(config.logoutCallbackUrls);

  const isAllowed = (request: FastifyRequest, callback: string): boolean => {
    const key = urlMatchKey(callback);
    if (key === undefined) return false;
    // Dev mode: the demo page of this very service may always be the way back.
    return allowed.has(key) || (config.devMode && key === `${request.protocol}://${request.host}/demo/`);
  };

  routes.get('/auth/logout/redirect', {
    schema: {
      summary: "Log out through SCAYLE's redirect (ends an identity provider's session too)",
      operationId: 'logoutRedirect',
      'x-session': 'optional',
      querystring: z.strictObject({ callback_url: z.string().min(1).max(2048).describe('Must be on LOGOUT_CALLBACK_URLS') }),
      response: { 302: z.null().describe("Redirect to SCAYLE's logout endpoint"), ...problems(400, 503) },
    },
    handler: async (request, reply) => {
      const callbackUrl = request.query.callback_url;
      if (!isAllowed(request, callbackUrl)) throw new AppError('REDIRECT_NOT_ALLOWED');

      let tokenId: string | undefined;
      const current = await findSession(app, request).catch((error: unknown) => {
        // A mismatched x-client-key does not keep a browser from logging out.
        if (isAppError(error) && error.code === 'CLIENT_UNKNOWN') return 'missing' as const;
        throw error;
      });
      if (typeof current !== 'string') {
        tokenId = current.session.data.jti;
        await app.sessionEnding.endSessions([current.session], 'logout', callContext(request), false);
      }
      const jwt = await signRedirectJwt(
        { callbackUrl, ...(tokenId === undefined ? {} : { tokenId }) },
        app.secrets.current.SCAYLE_SHOP_SECRET, // issue 18 part 4: read per use (reloadable)
        JWT_TTL_SECONDS,
        app.sessions.now,
      );
      const base = parseBaseUrl(config.scayle.baseUrl ?? '');
      const target = new URL(`${base.origin}${base.basePath}/v1/auth/logout/redirect`);
      target.searchParams.set('shopId', String(config.scayle.shopId));
      target.searchParams.set('jwt', jwt);
      clearSessionCookie(reply, config.session);
      return reply.header('cache-control', 'no-store').redirect(target.href, 302);
    },
  });
}
