// buildApp: the whole service as a ready Fastify instance, from a parsed Config and optional overrides.
// No process.env, no listen, no signal handlers here: server.ts does those, tests call this directly.
import cookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import { requestIdFrom } from './http/request-id.js';
import { responseSerializerCompiler } from './http/response-serializer.js';
import { createLogger } from './logger.js';
import { demoRoutes } from './demo/demo-routes.js';
import { accessLogPlugin } from './plugins/access-log.js';
import { dependenciesPlugin, type DependencyOverrides } from './plugins/dependencies.js';
import { errorHandlerPlugin } from './plugins/error-handler.js';
import { loadSheddingPlugin } from './plugins/load-shedding.js';
import { metricsPlugin } from './plugins/metrics.js';
import { openapiPlugin } from './plugins/openapi.js';
import { rateLimitsPlugin } from './plugins/rate-limits.js';
import { securityPlugin } from './plugins/security.js';
import { loginRoutes } from './routes/auth/login.js';
import { magicLinkRoutes } from './routes/auth/magic-link.js';
import { sessionRoutes } from './routes/auth/session.js';
import { sessionsListRoutes } from './routes/auth/sessions-list.js';
import { socialLoginRoutes } from './routes/auth/social.js';
import { ssoRoutes } from './routes/auth/sso.js';
import { healthRoutes } from './routes/ops/health.js';

export interface BuildOverrides extends DependencyOverrides {
  /** Where logs go (tests capture them); default stdout. */
  logDestination?: DestinationStream;
}

/** bff-api.md: request bodies are limited to 16 KiB. */
const BODY_LIMIT = 16 * 1024;

export async function buildApp(config: Config, overrides: BuildOverrides = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: createLogger(config.logLevel, overrides.logDestination),
    genReqId: requestIdFrom,
    // accessLogPlugin writes one line per request instead of Fastify's "incoming" + "completed" pair.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    // Longer than a load balancer's idle timeout (60 s on most), so the balancer, not us, closes idle
    // connections; otherwise it may reuse one we are closing and answer 502. close() ends idle ones.
    keepAliveTimeout: 65_000,
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
  });
  acceptEmptyJsonBodies(app);
  closeConnectionsWhenClosing(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);

  // Infrastructure, then security, then routes: each step may rely on the ones before it.
  await app.register(errorHandlerPlugin, { cookie: config.session });
  await app.register(accessLogPlugin);
  await app.register(metricsPlugin);
  await app.register(dependenciesPlugin, { config, overrides });
  await app.register(cookie);
  await app.register(securityPlugin);
  // After security's hooks, so a shed 503 still carries x-request-id and CORS headers.
  await app.register(loadSheddingPlugin);
  await app.register(rateLimitsPlugin);
  // Before the routes: it documents the routes registered after it.
  await app.register(openapiPlugin);

  await app.register(healthRoutes);
  await app.register(loginRoutes);
  await app.register(sessionRoutes);
  await app.register(sessionsListRoutes);
  await app.register(magicLinkRoutes);
  await app.register(socialLoginRoutes);
  await app.register(ssoRoutes);
  // The demo storefront page: a dev-mode aid, never served against a real SCAYLE.
  if (config.devMode) await app.register(demoRoutes);

  await app.ready();
  return app;
}

/**
 * `fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' } })` with no body is what
 * many clients send to bodiless routes (token, logout); Fastify would answer 400. An empty JSON body reads
 * as no body; anything else goes through Fastify's own parser (prototype-poisoning protection included).
 */
function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    void parseJson(request, text, done);
  });
}

/**
 * Once close() has begun, answers carry `connection: close`: a request in flight at SIGTERM finishes, and
 * its keep-alive connection (65 s idle, see above) then ends instead of holding the shutdown open.
 */
function closeConnectionsWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}
