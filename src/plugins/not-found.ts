// Unknown paths and known paths called with a method they do not serve: 404 NOT_FOUND, or 405
// METHOD_NOT_ALLOWED with an `allow` header. Both are rate-limited per IP before anything else runs
// (guessing URLs is how scanners start), with the same limiter as the credential routes.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';
import { createRouteMethods } from '../http/route-methods.js';

export const notFoundPlugin = fp(
  async (app: FastifyInstance) => {
    const routes = createRouteMethods();
    app.addHook('onRoute', (route) => {
      // The security plugin answers OPTIONS on every path for preflights; that says nothing about a resource.
      if (route.url === '*') return;
      routes.add(route.method, route.url);
    });

    const limit = app.ipLimit('not-found');
    // onRequest, not a preHandler: a scanner's request must be counted before its body is read or the
    // CSRF rule answers it.
    // Callback style: a matched route (every hot-path request) pays one property read, no promise.
    app.addHook('onRequest', function (request, reply, done) {
      if (!request.is404) return done();
      limit.call(this, request, reply).then(() => done(), done);
    });

    app.setNotFoundHandler(async (request) => {
      const allowed = routes.allowed(request.url);
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        throw new AppError('METHOD_NOT_ALLOWED', { headers: { allow: allowed.join(', ') } });
      }
      throw new AppError('NOT_FOUND');
    });
  },
  { name: 'not-found', dependencies: ['rate-limits', 'error-handler'] },
);
