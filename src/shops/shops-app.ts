// issue 18 part 3: the root of a SHOPS_FILE deployment. Shared here: the one Redis connection, the one
// password-check pool and limiter, the cookie parser and shop routing (unknown shop, 404, 405); each shop
// then gets its own context with its own config, key namespace, SCAYLE client, sessions, limits and routes
// (app.ts's registerShop, shop-scope.ts). The load-shedding sampler is the root's too (app.ts).
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { createPasswordWork } from '../migration/password-work.js';
import type { DependencyOverrides } from '../plugins/overrides.js';
import { createRedisClient } from '../redis/connection.js';
import { closeRedis, waitForRedis } from '../redis/lifecycle.js';
import type { Shop } from './load-shops.js';
import { createShopResolver } from './resolve-shop.js';
import { shopRoutingPlugin, type ShopHandles } from './shop-routing.js';
import { shopScope } from './shop-scope.js';

/** What app.ts's registerShop is given: one shop's config and dependencies. */
export interface ShopPart {
  config: Config;
  overrides: DependencyOverrides;
  /** Set with SHOPS_FILE: the shop's id, and where it leaves what the root needs of it. */
  shop?: { id: string; handles: Map<string, ShopHandles> };
}

export interface ShopsOptions {
  config: Config;
  shops: readonly Shop[];
  overrides: DependencyOverrides;
  registerShop: (scope: FastifyInstance, part: ShopPart) => Promise<void>;
}

/** Registers the shared part and every shop; returns each shop's handles (readiness reads them). */
export async function registerShops(app: FastifyInstance, options: ShopsOptions): Promise<ReadonlyMap<string, ShopHandles>> {
  const { config, shops, overrides, registerShop } = options;
  const redis = overrides.redis ?? (await sharedRedis(app, config, shops.length));
  // Every shop's store is built on the one connection (under the shop's own key prefix); a store passed
  // in by a test would be shared by every shop, so it is not passed on.
  const { store: _shared, ...rest } = overrides;
  const passwordWork = overrides.passwordWork ?? sharedPasswordWork(app, shops);
  const shopOverrides: DependencyOverrides = {
    ...rest,
    ...(redis === undefined ? {} : { redis }),
    ...(passwordWork === undefined ? {} : { passwordWork }),
  };

  const handles = new Map<string, ShopHandles>();
  await app.register(cookie);
  await app.register(shopRoutingPlugin, { resolve: createShopResolver(shops, config.trustProxy), handles });
  for (const shop of shops) {
    const part = { config: shop.config, overrides: shopOverrides, shop: { id: shop.id, handles } };
    await app.register(shopScope, {
      shopId: shop.id,
      register: (scope) => registerShop(scope, part),
      ...(shop.pathPrefix === undefined ? {} : { prefix: shop.pathPrefix }),
    });
  }
  return handles;
}

/**
 * PASSWORD_VALIDATION_CONCURRENCY and _QUEUE_MAX bound the process (they are refused inside a shop, so every
 * shop has the same): one hash-check pool and limiter for every shop with the validation route, none when no
 * shop has it; closed here, after every shop's context (and its routes) has closed.
 */
function sharedPasswordWork(app: FastifyInstance, shops: readonly Shop[]) {
  const settings = shops.find((shop) => shop.config.passwordValidation)?.config.passwordValidation;
  if (settings === undefined) return undefined;
  const work = createPasswordWork(settings);
  app.addHook('onClose', () => work.close());
  return work;
}

/** The connection every shop shares, opened and closed here (onClose: after every shop's context). */
async function sharedRedis(app: FastifyInstance, config: Config, shopCount: number) {
  if (config.redis === undefined) {
    app.log.warn('REDIS_URL (or REDIS_CLUSTER_NODES, REDIS_SENTINELS) is unset: sessions live in this process only');
    return undefined;
  }
  const redis = createRedisClient(config.redis.target, { logger: app.log });
  // Each shop's session cache listens to the shared client (a Cluster's slot-map events, a Sentinel client's
  // reconnects): one listener per shop per event is expected, not a leak, so Node's default warning at 11
  // listeners (MaxListenersExceededWarning) would fire for nothing from the 10th shop on.
  redis.setMaxListeners(10 + shopCount);
  app.addHook('onClose', () => closeRedis(redis));
  await waitForRedis(redis, 3_000).catch(() => app.log.error('Redis is not reachable yet; session routes answer 503 until it is'));
  return redis;
}
