// Everything of the service that belongs to one shop: its config, store, SCAYLE client, sessions, limits,
// security and routes, in the order app.ts always registered them. Without SHOPS_FILE it runs on the root
// instance (today's app, unchanged); with it, once per shop in that shop's context (shops/shop-scope.ts),
// where the root already has the cookie parser, the 404 handling and the health routes (issue 18 part 3).
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { demoRoutes } from './demo/demo-routes.js';
import { errorHandlerPlugin } from './plugins/error-handler.js';
import { keyUsagePlugin } from './plugins/key-usage.js';
import { loadSheddingPlugin } from './plugins/load-shedding.js';
import { notFoundPlugin } from './plugins/not-found.js';
import { openapiPlugin } from './plugins/openapi.js';
import type { DependencyOverrides } from './plugins/overrides.js';
import { rateLimitsPlugin } from './plugins/rate-limits.js';
import { securityPlugin } from './plugins/security.js';
import { sessionEndingPlugin } from './plugins/session-ending.js';
import { sessionsPlugin } from './plugins/sessions.js';
import { storePlugin } from './plugins/store.js';
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
import type { ShopHandles } from './shops/shop-routing.js';
// issue 17: customer migration
import { migrationPlugin } from './plugins/migration.js';
import { credentialsRoutes } from './routes/migration/credentials.js';
// issue 17 part 4: registration enrichment
import { enrichmentPlugin } from './plugins/enrichment.js';

export interface ShopPart {
  config: Config;
  overrides: DependencyOverrides;
  /** issue 18 part 3: set with SHOPS_FILE; the shop's handles go to `handles` for the root. */
  shop?: { id: string; handles: Map<string, ShopHandles> };
}

export async function registerShop(app: FastifyInstance, { config, overrides, shop }: ShopPart): Promise<void> {
  const deps = { config, overrides, ...(shop ? { shop: shop.id } : {}) };
  // With shops, errors of this shop's routes clear this shop's cookie (the root's handler knows no shop).
  if (shop) await app.register(errorHandlerPlugin, { cookie: config.session });
  await app.register(storePlugin, deps);
  await app.register(upstreamPlugin, deps);
  await app.register(sessionsPlugin, deps);
  await app.register(keyUsagePlugin, { config }); // issue 18: off unless SESSION_KEY_USAGE_SCAN_SECONDS
  if (!shop) await app.register(cookie);
  await app.register(securityPlugin);
  // After security's hooks, so a shed 503 still carries x-request-id and CORS headers.
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
    probeUpstream: () => app.verifier.probe(),
  });
}
