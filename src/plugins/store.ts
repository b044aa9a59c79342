// The session store as `app.sessionStore` (Redis when REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS is
// set, else memory; instrumented for metrics), the Redis connection as `app.redis` (rate limits share it) and the configuration as
// `app.config`. Closes the store and the connection it opened, never ones passed in through overrides.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { instrumentStore } from '../metrics/instrumented-store.js';
import { DEFAULT_SHOP } from '../metrics/metrics.js';
import { createMemoryStore } from '../sessions/memory-store.js';
import { createRedisClient, type RedisClient } from '../redis/connection.js';
import { closeRedis, waitForRedis } from '../redis/lifecycle.js';
import { createRedisStore } from '../sessions/redis-store.js';
import type { SessionStore } from '../sessions/store.js';
import type { DependencyPluginOptions } from './overrides.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    /** issue 18 part 3: the shop this context serves, as the `shop` metric label ("default" without SHOPS_FILE). */
    shopId: string;
    /** The Redis client (one node, Sentinel or Cluster) when Redis is configured; rate limits and SSO share it. */
    redis: RedisClient | undefined;
    /** The session store, instrumented; the session service is its only user on request paths. */
    sessionStore: SessionStore;
  }
}

export const storePlugin = fp(
  async (app: FastifyInstance, { config, overrides, shop }: DependencyPluginOptions) => {
    const ownsRedis = overrides.redis === undefined && overrides.store === undefined && config.redis !== undefined;
    const redis = overrides.redis ?? (ownsRedis && config.redis ? createRedisClient(config.redis.target, { logger: app.log }) : undefined);
    const rawStore =
      overrides.store ??
      (redis && config.redis
        ? createRedisStore({ redis, keyPrefix: config.redis.keyPrefix })
        : createMemoryStore({ maxEntries: config.session.memoryMaxEntries, ...(overrides.now ? { now: overrides.now } : {}) }));
    app.addHook('onClose', async () => {
      if (!overrides.store) await rawStore.close();
      if (ownsRedis && redis) await closeRedis(redis);
    });

    if (ownsRedis && redis) {
      // Commands fail fast while Redis is unreachable (no offline queue), so give it a moment to connect;
      // if it stays down the service still starts, reports not-ready and answers 503 until it is back.
      await waitForRedis(redis, 3_000).catch(() => app.log.error('Redis is not reachable yet; session routes answer 503 until it is'));
    }
    if (!overrides.store && !redis)
      app.log.warn(
        'REDIS_URL (or REDIS_CLUSTER_NODES, REDIS_SENTINELS) is unset: sessions live in this process only ' +
          '(fine for development, not for more than one instance)',
      );

    app.decorate('config', config);
    app.decorate('shopId', shop ?? DEFAULT_SHOP);
    app.decorate<RedisClient | undefined>('redis', redis);
    app.decorate('sessionStore', instrumentStore(rawStore, app.metrics, shop ?? DEFAULT_SHOP));
  },
  { name: 'store', dependencies: ['metrics'] },
);
