// issue 20: the session read cache of one app on a Redis Cluster: the cache, its metrics and its pair of
// tracked connections per primary (cluster-tracking.ts), closed with the app.
import type { FastifyInstance } from 'fastify';
import type { Cluster } from 'ioredis';
import { instrumentStore } from '../../metrics/instrumented-store.js';
import { sessionCacheEvents } from '../../metrics/session-cache-metrics.js';
import { createRedisClient } from '../../redis/connection.js';
import { REDIS_SECRET_NAMES } from '../../redis/reauth.js';
import type { NodeAuth } from '../../redis/target.js';
import { createKeyBuilder } from '../keys.js';
import { createRedisStore } from '../redis-store.js';
import type { Primary } from './cluster-map.js';
import { trackCluster } from './cluster-tracking.js';
import { createReadCache, type SessionReadCache } from './read-cache.js';

/** A redis:// URL of one node with the Cluster's ACL credentials (never logged: connection.ts strips them). */
function nodeUrl({ host, port }: Primary, { username, password }: NodeAuth): string {
  const user = username ? encodeURIComponent(username) : '';
  const auth = user || password ? `${user}${password ? `:${encodeURIComponent(password)}` : ''}@` : '';
  return `redis://${auth}${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function trackClusterCache(
  app: FastifyInstance,
  auth: NodeAuth,
  cluster: Cluster,
  maxEntries: number,
  keyPrefix: string,
): SessionReadCache {
  const { metrics } = app;
  const keys = createKeyBuilder(keyPrefix);
  const observed = sessionCacheEvents(metrics, app.shopId);
  const cache = createReadCache({
    maxEntries,
    fence: () => tracking.fence(),
    read: (sid, viaTracked) => (viaTracked ? tracking.read(sid) : app.sessionStore.get(sid)),
    events: observed.events,
  });
  const tracking = trackCluster({
    cluster,
    cache,
    connect: (primary) => {
      // The password as last reloaded (README "Rotating secrets"): a pair built after a rotation must log in.
      const current = { username: auth.username, password: app.secrets.current.REDIS_PASSWORD ?? auth.password };
      return {
        reader: createRedisClient(nodeUrl(primary, current), { logger: app.log }),
        subscriber: createRedisClient(nodeUrl(primary, current), { logger: app.log, noAutoResubscribe: true }),
      };
    },
    openStore: (reader) => instrumentStore(createRedisStore({ redis: reader, keyPrefix }), metrics, app.shopId),
    recordKey: (sid) => keys.record(sid),
    sidOfRecord: (key) => keys.sidOfRecord(key),
    readUntracked: (sid) => app.sessionStore.get(sid),
    log: app.log,
    onActiveChange: observed.onActiveChange,
  });
  // A reloaded Redis password (README "Rotating secrets"): new pairs, logged in with it while Redis still
  // accepts both. Kept, the old pairs would reconnect with the old password after Redis dropped it.
  app.secrets.onChange((_values, changed) => {
    if (changed.some((name) => REDIS_SECRET_NAMES.has(name))) tracking.reconnect('the Redis password was reloaded');
  });
  app.addHook('onClose', () => tracking.close());
  return cache;
}
