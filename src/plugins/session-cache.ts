// issue 20: `app.sessionCache`, the per-process cache of opened session records in front of the Redis store,
// with its two connections (tracked reader, invalidation subscriber), or that pair per primary on a Cluster.
// Undefined when off: no Redis (the memory store is local already), SESSION_CACHE_MAX_ENTRIES=0, a store or
// client passed in, or Sentinel.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { instrumentStore } from '../metrics/instrumented-store.js';
import { sessionCacheEvents } from '../metrics/session-cache-metrics.js';
import { asCluster, createRedisClient } from '../redis/connection.js';
import { closeRedis } from '../redis/lifecycle.js';
import { createReadCache, type SessionReadCache } from '../sessions/cache/read-cache.js';
import { trackInvalidations } from '../sessions/cache/tracking.js';
import { trackClusterCache } from '../sessions/cache/cluster-cache.js';
import { createKeyBuilder } from '../sessions/keys.js';
import { createRedisStore } from '../sessions/redis-store.js';
import type { DependencyPluginOptions } from './overrides.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The session read cache, when on (the session service reads through it). */
    sessionCache: SessionReadCache | undefined;
  }
}

export const sessionCachePlugin = fp(
  (app: FastifyInstance, { config, overrides, shop }: DependencyPluginOptions) => {
    const observed = sessionCacheEvents(app.metrics, app.shopId); // the shop's series at 0, also when off
    const maxEntries = config.session.cacheMaxEntries;
    const redisConfig = config.redis;
    // With SHOPS_FILE the shared connection arrives as `redis` from shops-app, not from a test: each shop's
    // cache still opens its own reader and subscriber under the shop's key prefix.
    const passedIn = overrides.store !== undefined || (overrides.redis !== undefined && shop === undefined);
    if (maxEntries === 0 || redisConfig === undefined || passedIn) {
      app.decorate<SessionReadCache | undefined>('sessionCache', undefined);
      return Promise.resolve();
    }
    const { target } = redisConfig;
    const cluster = asCluster(app.redis);
    if (target.kind === 'cluster' && cluster) {
      const cache = trackClusterCache(app, target, cluster, maxEntries, redisConfig.keyPrefix);
      app.decorate<SessionReadCache | undefined>('sessionCache', cache);
      return Promise.resolve();
    }
    if (target.kind !== 'url') {
      // Sentinel: a failover that leaves the old primary up keeps our two connections on it until Sentinel's
      // +switch-master reaches this process, while other instances already write to the new primary, whose
      // changes reach the old one (and its invalidations) only by replication. Correctness first: off.
      app.log.info({ redis: target.kind }, 'session cache off: it needs REDIS_URL or REDIS_CLUSTER_NODES');
      app.decorate<SessionReadCache | undefined>('sessionCache', undefined);
      return Promise.resolve();
    }

    const { metrics } = app;
    const reader = createRedisClient(target.url, { logger: app.log });
    const subscriber = createRedisClient(target.url, { logger: app.log, noAutoResubscribe: true });
    const tracked = instrumentStore(createRedisStore({ redis: reader, keyPrefix: redisConfig.keyPrefix }), metrics, app.shopId);
    const cache = createReadCache({
      maxEntries,
      fence: () => tracking.fence(),
      read: (sid, viaTracked) => {
        if (!viaTracked) return app.sessionStore.get(sid);
        return tracked.get(sid).catch((error: unknown) => {
          tracking.readFailed();
          throw error;
        });
      },
      events: observed.events,
    });
    const keys = createKeyBuilder(redisConfig.keyPrefix);
    const tracking = trackInvalidations({
      reader,
      subscriber,
      cache,
      sidOfRecord: (key) => keys.sidOfRecord(key),
      log: app.log,
      onActiveChange: observed.onActiveChange,
    });
    app.addHook('onClose', async () => {
      tracking.close();
      await Promise.all([closeRedis(reader), closeRedis(subscriber)]);
    });
    app.decorate<SessionReadCache | undefined>('sessionCache', cache);
    return Promise.resolve();
  },
  { name: 'session-cache', dependencies: ['metrics', 'store'] },
);
