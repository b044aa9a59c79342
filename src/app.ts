// buildApp: the whole service as a ready Fastify instance, from a parsed Config and optional overrides.
// No process.env, no listen, no signal handlers here: server.ts does those, tests call this directly.
import cookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import { answerClientError } from './http/client-errors.js';
import { lazyChildLogger } from './http/lazy-logger.js';
import { requestIdFrom } from './http/request-id.js';
import { responseSerializerCompiler } from './http/response-serializer.js';
import { createLogger } from './logger.js';
import { accessLogPlugin } from './plugins/access-log.js';
import { errorHandlerPlugin, frameworkErrorHandler } from './plugins/error-handler.js';
import { metricsPlugin } from './plugins/metrics.js';
import type { DependencyOverrides } from './plugins/overrides.js';
import { requestBodiesPlugin } from './plugins/request-bodies.js';
import type { Shop } from './shops/load-shops.js';
import { shopChecks } from './shops/shop-routing.js';
import { registerShops, type ShopPart } from './shops/shops-app.js';
import type { TracingOverrides } from './telemetry/index.js';
import { demoRoutes } from './demo/demo-routes.js';
import { keyUsagePlugin } from './plugins/key-usage.js';
import { loadSamplerPlugin, loadSheddingPlugin } from './plugins/load-shedding.js';
import { notFoundPlugin } from './plugins/not-found.js';
import { openapiPlugin } from './plugins/openapi.js';
import { rateLimitsPlugin } from './plugins/rate-limits.js';
import { securityPlugin } from './plugins/security.js';
import { sessionEndingPlugin } from './plugins/session-ending.js';
import { sessionsPlugin } from './plugins/sessions.js';
import { sessionCachePlugin } from './plugins/session-cache.js';
import { storePlugin } from './plugins/store.js';
import { secretsPlugin } from './plugins/secrets.js';
import { upstreamPlugin } from './plugins/upstream.js';
import { loginRoutes } from './routes/auth/login.js';
import { logoutRedirectRoutes } from './routes/auth/logout-redirect.js';
import { magicLinkRoutes } from './routes/auth/magic-link.js';
import { passwordChangeRoutes } from './routes/auth/password-change.js';
import { passwordResetRoutes } from './routes/auth/password-reset.js';
import { sessionRoutes } from './routes/auth/session.js';
import { sessionsListRoutes } from './routes/auth/sessions-list.js';
import { socialLoginRoutes } from './routes/auth/social.js';
import { ssoRoutes } from './routes/auth/sso.js';
import { healthRoutes } from './routes/ops/health.js';
// issue 17: customer migration
import { migrationPlugin } from './plugins/migration.js';
import { credentialsRoutes } from './routes/migration/credentials.js';
// issue 17 part 4: registration enrichment
import { enrichmentPlugin } from './plugins/enrichment.js';

export interface BuildOverrides extends DependencyOverrides {
  /** Where logs go (tests capture them); default stdout. */
  logDestination?: DestinationStream;
  /** issue 19: traces on (server.ts passes startTelemetry's overrides); unset, nothing of OpenTelemetry runs. */
  tracing?: TracingOverrides;
  /** issue 18 part 3: the shops of SHOPS_FILE (shops/load-shops.ts); unset, `config` is the one shop. */
  shops?: readonly Shop[];
}

/** bff-api.md: request bodies are limited to 16 KiB. */
const BODY_LIMIT = 16 * 1024;

export async function buildApp(config: Config, overrides: BuildOverrides = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: createLogger(config.logLevel, overrides.logDestination, overrides.tracing?.logMixin),
    genReqId: requestIdFrom,
    // accessLogPlugin writes one line per request instead of Fastify's "incoming" + "completed" pair.
    logController: new LogController({ disableRequestLogging: true }),
    // issue 20: request.log is built when a line is first written, not for every request.
    childLoggerFactory: lazyChildLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    // Longer than a load balancer's idle timeout (60 s on most), so the balancer, not us, closes idle
    // connections; otherwise it may reuse one we are closing and answer 502. close() ends idle ones.
    keepAliveTimeout: 65_000,
    // Session handles of any shape reach their route (and its 404); longer ones are a 414.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    return503OnClosing: true,
    // Failures before any route runs answer problem+json too: an undecodable URL, a malformed request.
    frameworkErrors: frameworkErrorHandler(config.session),
    clientErrorHandler: answerClientError,
  });
  closeConnectionsWhenClosing(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);

  // First, so @fastify/otel sees every hook and route registered after it (issue 19).
  if (overrides.tracing) await app.register(overrides.tracing.plugin);
  // Infrastructure, then security, then routes: each step may rely on the ones before it.
  await app.register(errorHandlerPlugin, { cookie: config.session });
  await app.register(requestBodiesPlugin);
  await app.register(accessLogPlugin, { hotRoutes: config.accessLogHotRoutes });
  if (overrides.shops) {
    await app.register(metricsPlugin, { shops: true });
    // One event-loop sampler for the process; each shop's context adds its shedding hook (registerShop).
    await app.register(loadSamplerPlugin, { config });
    const handles = await registerShops(app, { config, shops: overrides.shops, overrides, registerShop });
    await app.register(healthRoutes, { checks: shopChecks(handles) });
    app.decorate(
      'secretStores',
      [...handles.values()].map((handle) => handle.secrets),
    );
  } else {
    await app.register(metricsPlugin);
    await registerShop(app, { config, overrides });
    app.decorate('secretStores', [app.secrets]);
  }

  await app.ready();
  return app;
}

/**
 * Everything of one shop: its config, store, SCAYLE client, sessions, limits, security and routes, in this
 * order. Without SHOPS_FILE on the root (the app as it always was); with it once per shop, in the shop's
 * context (shops/shop-scope.ts), where the root already has the cookie parser, 404s and health (issue 18).
 */
async function registerShop(app: FastifyInstance, { config, overrides, shop }: ShopPart): Promise<void> {
  const deps = { config, overrides, ...(shop ? { shop: shop.id } : {}) };
  // With shops, errors of this shop's routes clear this shop's cookie (the root's handler knows no shop).
  if (shop) await app.register(errorHandlerPlugin, { cookie: config.session });
  await app.register(storePlugin, deps);
  await app.register(secretsPlugin, { config }); // issue 18 part 4: app.secrets, read per use by what follows
  await app.register(sessionCachePlugin, deps); // issue 20: on with Redis (one node, Cluster or Sentinel)
  await app.register(upstreamPlugin, deps);
  await app.register(sessionsPlugin, deps);
  await app.register(keyUsagePlugin, { config }); // issue 18: off unless SESSION_KEY_USAGE_SCAN_SECONDS
  if (!shop) await app.register(cookie);
  await app.register(securityPlugin);
  // After security's hooks, so a shed 503 still carries x-request-id and CORS headers. With shops the
  // sampler is the root's, shared by every shop.
  if (!shop) await app.register(loadSamplerPlugin, { config });
  await app.register(loadSheddingPlugin);
  await app.register(rateLimitsPlugin);
  // issue 15: bulk session ending and per-key limits (uses dependencies and rate limits above).
  await app.register(sessionEndingPlugin);
  // Before the routes: it collects them for 405's allow header. With shops the root answers 404s.
  if (shop) handOver(app, shop);
  else await app.register(notFoundPlugin);
  // Before the routes: it documents the routes registered after it.
  await app.register(openapiPlugin);

  // issue 17 part 4: before the register route, which reads its profile fields.
  await app.register(enrichmentPlugin, deps);

  if (!shop) await app.register(healthRoutes);
  await app.register(loginRoutes);
  await app.register(sessionRoutes);
  await app.register(sessionsListRoutes);
  await app.register(magicLinkRoutes);
  await app.register(passwordResetRoutes);
  await app.register(passwordChangeRoutes);
  await app.register(logoutRedirectRoutes);
  await app.register(socialLoginRoutes);
  await app.register(ssoRoutes);
  // issue 17: the password validation route and its dependencies, only when both credentials are set.
  if (config.passwordValidation) {
    await app.register(migrationPlugin, deps);
    await app.register(credentialsRoutes);
  }
  // The demo storefront page: a dev-mode aid, never served against a real SCAYLE.
  if (config.devMode) await app.register(demoRoutes);
}

/** What the root's 404 handling and readiness need of this shop (shops/shop-routing.ts). */
function handOver(app: FastifyInstance, shop: NonNullable<ShopPart['shop']>): void {
  shop.handles.set(shop.id, {
    notFoundLimit: app.ipLimit('not-found'),
    pingStore: () => app.sessions.store.ping(),
    secrets: app.secrets,
    probeUpstream: () => app.verifier.probe(),
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
  // Callback style, not async: a promise per response for a flag that is false until shutdown (issue 20).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
