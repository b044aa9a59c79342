// The emulator's Fastify instance: SCAYLE-shaped errors for anything unhandled, and every route group
// registered explicitly. Never listens and reads no environment (index.ts and main.ts do that).
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { EmulatorContext } from './context.js';
import { fail } from './http.js';
import { accountRoutes } from './routes/accounts.js';
import { adminRoutes } from './routes/admin.js';
import { adminApiRoutes } from './routes/admin-api.js';
import { externalRoutes } from './routes/external.js';
import { logoutRoutes } from './routes/logout.js';
import { magicLinkRoutes } from './routes/magic-link.js';
import { oauthRoutes } from './routes/oauth.js';
import { passwordRoutes } from './routes/passwords.js';
import { socialRoutes } from './routes/social.js';

export function buildEmulatorApp(ctx: EmulatorContext): FastifyInstance {
  const app = Fastify({
    logger: ctx.settings.logger,
    // Tests stop emulators constantly; keep-alive sockets from the BFF's pool must not hold close() open.
    forceCloseConnections: true,
  });

  // Seed 004 says its endpoints take "form data or json".
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) return fail(reply, status, 'server_error', 'Internal server error.');
    return fail(reply, status, 'validation_error', error.message);
  });
  app.setNotFoundHandler((request, reply) =>
    fail(reply, 404, 'not_found', `No route for ${request.method} ${request.url.split('?')[0] ?? ''}.`),
  );

  // A delayed request must not keep close() waiting for its timer.
  app.addHook('preClose', (done) => {
    ctx.faults.wakeAll();
    done();
  });

  accountRoutes(app, ctx);
  passwordRoutes(app, ctx);
  oauthRoutes(app, ctx);
  logoutRoutes(app, ctx);
  externalRoutes(app, ctx);
  magicLinkRoutes(app, ctx);
  socialRoutes(app, ctx);
  adminRoutes(app, ctx);
  adminApiRoutes(app, ctx);
  return app;
}
