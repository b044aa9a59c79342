// GET /auth/social/:provider and GET /auth/social/callback: SCAYLE single sign-on as browser redirects.
// The start answers 302 to SCAYLE; the callback exchanges the one-time code and answers 302 to return_to,
// or, when the flow named an error_return_to, to that page with ?error=<code> instead of a problem body.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toAppError } from '../../plugins/error-handler.js';
import { withErrorCode } from '../../sso/allow-list.js';
import { createSsoFlows, StateRejected } from '../../sso/sso-flows.js';
import type { SsoFlow } from '../../sso/flow-signer.js';
import { AppError } from '../../errors.js';
import { issueSession } from '../../http/issue-session.js';
import { problems } from '../../http/schemas.js';
import { callContext } from '../../http/current-session.js';

const param = z.string().max(2048).optional();
const redirect = { 302: z.null().describe('Redirect (see the Location header)') };

export async function ssoRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const flows = createSsoFlows(app.config, app.secrets, app.redis, () => app.sessions.now(), app.prefix);

  routes.get('/auth/social/callback', {
    schema: {
      summary: 'SSO callback: exchanges the one-time code, starts a session and redirects to return_to',
      operationId: 'ssoCallback',
      'x-session': 'creates',
      // Lenient: SCAYLE and the IdP may add parameters of their own.
      querystring: z.object({ code: param, state: param, error: param }),
      response: { ...redirect, ...problems(400, 502, 503, 504) },
    },
    handler: async (request, reply) => {
      // The address holds a one-time code and the state: it is no one's referrer.
      reply.header('referrer-policy', 'no-referrer');
      let flow: SsoFlow | undefined;
      try {
        flow = await flows.finish(request, reply, request.query.state);
        // No code (the IdP or SCAYLE sent ?error=) is a failed login like a rejected code.
        const code = request.query.code;
        if (code === undefined || code === '') throw new AppError('SOCIAL_CODE_INVALID', { detail: 'The identity provider sent no code' });
        const tokens = await app.scayle.exchangeCode(code, callContext(request));
        await issueSession(app, request, reply, tokens, { guest: false, client: { mode: 'cookie', key: undefined } });
        return reply.redirect(flow.returnTo, 302);
      } catch (error) {
        const target = error instanceof StateRejected ? error.flow?.errorReturnTo : flow?.errorReturnTo;
        if (target === undefined) throw error;
        const appError = toAppError(error);
        request.log[appError.status >= 500 ? 'error' : 'info']({ err: error, code: appError.code }, 'SSO failed; sent to the error page');
        return reply.header('cache-control', 'no-store').redirect(withErrorCode(target, appError.code), 302);
      }
    },
  });

  routes.get('/auth/social/:provider', {
    schema: {
      summary: "Start SSO: redirects to SCAYLE's external-IdP redirect with a short-lived state cookie",
      operationId: 'ssoStart',
      params: z.object({ provider: z.string().max(64) }),
      querystring: z.object({ return_to: param, error_return_to: param }),
      response: { ...redirect, ...problems(400, 404) },
    },
    handler: async (request, reply) => {
      const target = await flows.start(request, reply, {
        provider: request.params.provider,
        returnTo: request.query.return_to,
        errorReturnTo: request.query.error_return_to,
      });
      return reply.header('cache-control', 'no-store').redirect(target, 302);
    },
  });
}
