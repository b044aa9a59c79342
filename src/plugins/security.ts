// Cross-cutting request hygiene: the x-request-id echo, CORS for the allowed storefront origins
// (http/cors.ts) and the CSRF rule.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';
import { corsPolicy } from '../http/cors.js';
import { checkCsrf, type CsrfSettings } from '../http/csrf.js';

export const securityPlugin = fp(
  async (app: FastifyInstance) => {
    const { config } = app;
    const allowed = new Set(config.allowedOrigins);
    const cors = corsPolicy(allowed);
    // One callback-style hook for the request id, CORS and preflights: no promise per request on the hot
    // routes (issue 20). A preflight without Origin or Access-Control-Request-Method, or from a foreign
    // origin, is refused as problem+json (before any CORS header is added); an allowed one is answered here,
    // before anything that could refuse it (a browser sends a preflight without credentials).
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      if (request.method === 'OPTIONS') {
        const { origin } = request.headers;
        if (origin === undefined || request.headers['access-control-request-method'] === undefined) {
          return done(new AppError('CORS_PREFLIGHT_INVALID', { detail: 'A preflight sends Origin and Access-Control-Request-Method' }));
        }
        if (!allowed.has(origin)) return done(new AppError('CSRF_REJECTED', { detail: 'Origin not allowed' }));
        cors.decorate(request, reply);
        return cors.answerPreflight(reply);
      }
      cors.decorate(request, reply);
      done();
    });
    // Preflights reach a route on every path (the hook above answers them); without one they would be 404s.
    app.options('*', { schema: { hide: true } }, (_request, reply) => reply.callNotFound());

    const csrf: CsrfSettings = {
      cookieName: config.session.cookieName,
      allowedOrigins: allowed,
      tokenClientKeys: new Set([...config.clientKeys].filter(([, mode]) => mode === 'token').map(([key]) => key)),
      ownOrigin: config.publicBaseUrl === undefined ? undefined : new URL(config.publicBaseUrl).origin,
    };
    // preValidation: after the body is parsed (so malformed JSON still answers 400) but before any
    // handler can act on a forged request.
    app.addHook('preValidation', (request, _reply, done) => {
      try {
        checkCsrf(request, csrf);
      } catch (error) {
        return done(error as Error);
      }
      done();
    });
  },
  { name: 'security', dependencies: ['store'] },
);
