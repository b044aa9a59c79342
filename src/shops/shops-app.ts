// issue 18 part 3: the root of a SHOPS_FILE deployment. Shared here: the one Redis connection, the cookie
// parser, shop routing (unknown shop, 404, 405) and health; each shop then gets its own context with its
// own config, key namespace, SCAYLE client, sessions, limits and routes (shop-app.ts in shop-scope.ts).
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { DependencyOverrides } from '../plugins/overrides.js';
import { createRedisClient } from '../redis/connection.js';
import { closeRedis, waitForRedis } from '../redis/lifecycle.js';
import { healthRoutes } from '../routes/ops/health.js';
import { registerShop } from '../shop-app.js';
import type { Shop } from './load-shops.js';
import { createShopResolver } from './resolve-shop.js';
import { shopChecks, shopRoutingPlugin, type ShopHandles } from './shop-routing.js';
import { shopScope } from './shop-scope.js';

export async function registerShops(
  app: FastifyInstance,
  config: Config,
  shops: readonly Shop[],
  overrides: DependencyOverrides,
): Promise<void> {
  const redis = overrides.redis ?? (await sharedRedis(app, config));
  // Every shop's store is built on the one connection (under the shop's own key prefix); a store passed
  // in by a test would be shared by every shop, so it is not passed on.
  const { store: _shared, ...rest } = overrides;
  const shopOverrides: DependencyOverrides = redis === undefined ? rest : { ...rest, redis };

  const handles = new Map<string, ShopHandles>();
  await app.register(cookie);
  await app.register(shopRoutingPlugin, { resolve: createShopResolver(shops, config.trustProxy), handles });
  await app.register(healthRoutes, { checks: shopChecks(handles) });
  for (const shop of shops) {
    const part = { config: shop.config, overrides: shopOverrides, shop: { id: shop.id, handles } };
    await app.register(shopScope, {
      shopId: shop.id,
      register: (scope) => registerShop(scope, part),
      ...(shop.pathPrefix === undefined ? {} : { prefix: shop.pathPrefix }),
    });
  }
}

/** The connection every shop shares, opened and closed here (onClose: after every shop's context). */
async function sharedRedis(app: FastifyInstance, config: Config) {
  if (config.redis === undefined) {
    app.log.warn('REDIS_URL (or REDIS_CLUSTER_NODES, REDIS_SENTINELS) is unset: sessions live in this process only');
    return undefined;
  }
  const redis = createRedisClient(config.redis.target, { logger: app.log });
  app.addHook('onClose', () => closeRedis(redis));
  await waitForRedis(redis, 3_000).catch(() => app.log.error('Redis is not reachable yet; session routes answer 503 until it is'));
  return redis;
}
