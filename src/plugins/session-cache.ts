// issue 20: `app.sessionCache`, the per-process cache of opened session records in front of the Redis store,
// with its two connections (tracked reader, invalidation subscriber), or that pair per primary on a Cluster.
// On Sentinel the pair is trusted only while it is on a primary and on the data client's server
// (sessions/cache/sentinel-guard.ts). Undefined when off: no Redis (the memory store is local already),
// SESSION_CACHE_MAX_ENTRIES=0, or a store or client passed in.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { instrumentStore } from '../metrics/instrumented-store.js';
import { sessionCacheEvents } from '../metrics/session-cache-metrics.js';
import { asCluster, asSingleNode, createRedisClient } from '../redis/connection.js';
import { closeRedis } from '../redis/lifecycle.js';
import { applyRedisPasswords, REDIS_SECRET_NAMES } from '../redis/reauth.js';
import { createReadCache, type SessionReadCache } from '../sessions/cache/read-cache.js';
import { guardSentinelPair } from '../sessions/cache/sentinel-guard.js';
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
    if (target.kind === 'cluster') {
      const cluster = asCluster(app.redis);
      const cache = cluster ? trackClusterCache(app, target, cluster, maxEntries, redisConfig.keyPrefix) : undefined;
      app.decorate<SessionReadCache | undefined>('sessionCache', cache);
      return Promise.resolve();
    }
    // Sentinel: the pair must be on the data client's server (sentinel-guard.ts).
    const data = asSingleNode(app.redis);
    if (target.kind === 'sentinel' && data === undefined) {
      app.decorate<SessionReadCache | undefined>('sessionCache', undefined);
      return Promise.resolve();
    }

    const { metrics } = app;
    // Sentinel: no +switch-master subscription of their own; they follow the data client (sentinel-guard.ts).
    const reader = createRedisClient(target, { logger: app.log, failoverDetector: false });
    const subscriber = createRedisClient(target, { logger: app.log, noAutoResubscribe: true, failoverDetector: false });
    const guard = target.kind === 'sentinel' && data ? guardSentinelPair({ reader, subscriber, data }) : undefined;
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
      ...(guard ? { precondition: guard.precondition, confirm: guard.confirm } : {}),
    });
    guard?.attach(tracking);
    // A reloaded Redis password reaches the pair's next reconnect as it reaches app.redis's (plugins/secrets.ts):
    // without it the pair could not reconnect after a rotation, and the cache would stay off until a restart.
    app.secrets.onChange((values, changed) => {
      if (!changed.some((name) => REDIS_SECRET_NAMES.has(name))) return;
      applyRedisPasswords(reader, values);
      applyRedisPasswords(subscriber, values);
    });
    app.addHook('onClose', async () => {
      guard?.close();
      tracking.close();
      await Promise.all([closeRedis(reader), closeRedis(subscriber)]);
    });
    app.decorate<SessionReadCache | undefined>('sessionCache', cache);
    return Promise.resolve();
  },
  { name: 'session-cache', dependencies: ['metrics', 'store', 'secrets'] },
);
