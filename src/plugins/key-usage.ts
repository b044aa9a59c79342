// issue 18: the `session_key_usage_records{key_id,shop}` gauge, refreshed by a background scan only when
// SESSION_KEY_USAGE_SCAN_SECONDS > 0 and Redis is configured (the in-memory store has nothing to share).
// Stops its timer and waits for a running scan on close, before the store plugin closes Redis.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { countKeyUsage } from '../sessions/key-usage.js';
import { startKeyUsageScan, type KeyUsageScan } from '../sessions/key-usage-scan.js';
import type { DependencyPluginOptions } from './overrides.js';

export const keyUsagePlugin = fp(
  async (app: FastifyInstance, { config }: Pick<DependencyPluginOptions, 'config'>) => {
    const seconds = config.session.keyUsageScanSeconds;
    const { redis, metrics, shopId: shop } = app;
    if (seconds === 0 || !redis || !config.redis) return;
    const keyPrefix = config.redis.keyPrefix;
    const scan = startKeyUsageScan({
      intervalMs: seconds * 1000,
      scan: () => countKeyUsage(redis, keyPrefix, app.secrets.current.SESSION_ENCRYPTION_KEYS), // the ring in use (reloadable)
      onResult: (usage) => {
        for (const key of usage.keys) metrics.keyUsageRecords.set({ key_id: key.id, shop }, key.records);
        metrics.keyUsageRecords.set({ key_id: 'unknown', shop }, usage.unknown);
        metrics.keyUsageScanned.labels(shop).setToCurrentTime();
      },
      onError: (error) => app.log.warn({ err: error }, 'the session key-usage scan failed; the gauge keeps its last figures'),
    });
    app.decorate('keyUsageScan', scan);
    app.addHook('onClose', async () => {
      scan.stop();
      await scan.idle();
    });
  },
  { name: 'key-usage', dependencies: ['metrics', 'store', 'secrets'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    /** Present only while the key-usage scan is enabled (tests wait on it). */
    keyUsageScan?: KeyUsageScan;
  }
}
