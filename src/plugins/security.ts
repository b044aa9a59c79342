// Cross-cutting request hygiene: the x-request-id echo, CORS for the allowed storefront origins (with
// credentials, so a storefront on another origin can use the cookie) and the CSRF rule.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';
import { checkCsrf, type CsrfSettings } from '../http/csrf.js';

export const securityPlugin = fp(
  async (app: FastifyInstance) => {
    const { config } = app;
    const allowed = new Set(config.allowedOrigins);
    // One callback-style hook, not two async ones: no promise per request on the hot routes (issue 20).
    // Preflights @fastify/cors would refuse (text/plain 400 without Origin or Access-Control-Request-Method,
    // a 404 from its catch-all route for a foreign origin) are refused here, as problem+json.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      if (request.method !== 'OPTIONS') return done();
      const { origin } = request.headers;
      if (origin === undefined || request.headers['access-control-request-method'] === undefined) {
        return done(new AppError('CORS_PREFLIGHT_INVALID', { detail: 'A preflight sends Origin and Access-Control-Request-Method' }));
      }
      done(allowed.has(origin) ? undefined : new AppError('CSRF_REJECTED', { detail: 'Origin not allowed' }));
    });
    await app.register(cors, {
      origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
      credentials: true,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['content-type', 'x-requested-with', 'x-csrf', 'x-request-id', 'x-client-key', 'authorization'],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    });

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
