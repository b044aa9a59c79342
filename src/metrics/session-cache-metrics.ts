// issue 20: the session read cache's counters (src/sessions/cache/), apart from metrics.ts. Labelled by shop
// only (each shop's context has a cache of its own): a session id never becomes a label.
import { Counter, Gauge, type Registry } from 'prom-client';

export function sessionCacheMetrics(registers: Registry[]) {
  return {
    sessionCacheHits: new Counter({
      name: 'session_cache_hits_total',
      help: 'Session reads answered from this process memory (the record was cached and Redis had not invalidated it)',
      labelNames: ['shop'] as const,
      registers,
    }),
    sessionCacheMisses: new Counter({
      name: 'session_cache_misses_total',
      help: 'Session reads that went to Redis (not cached, or the cache is bypassed until tracking is re-established)',
      labelNames: ['shop'] as const,
      registers,
    }),
    sessionCacheInvalidations: new Counter({
      name: 'session_cache_invalidations_total',
      help: 'Session keys Redis reported changed (client-side caching invalidation messages, one per key)',
      labelNames: ['shop'] as const,
      registers,
    }),
    sessionCacheFlushes: new Counter({
      name: 'session_cache_flushes_total',
      help: 'Times the whole cache was dropped: a tracking connection closed, a read failed, or Redis was flushed',
      labelNames: ['shop'] as const,
      registers,
    }),
    sessionCacheActive: new Gauge({
      name: 'session_cache_active',
      help: '1 while Redis tracks this instance cached reads (CLIENT TRACKING established), else 0 (reads go to Redis)',
      labelNames: ['shop'] as const,
      registers,
    }),
  };
}

/**
 * The cache's events and its active flag bound to one shop's label children once: hits and misses come per
 * request, so no label object is hashed on them. Exports the shop's series at 0 (inactive), as the unlabelled
 * metrics were before issue 18 part 3, also for a shop whose cache is off.
 */
export function sessionCacheEvents(metrics: ReturnType<typeof sessionCacheMetrics>, shop: string) {
  const [hits, misses, invalidations, flushes, active] = [
    metrics.sessionCacheHits.labels(shop),
    metrics.sessionCacheMisses.labels(shop),
    metrics.sessionCacheInvalidations.labels(shop),
    metrics.sessionCacheFlushes.labels(shop),
    metrics.sessionCacheActive.labels(shop),
  ];
  for (const counter of [hits, misses, invalidations, flushes]) counter.inc(0);
  active.set(0);
  return {
    events: {
      hit: () => hits.inc(),
      miss: () => misses.inc(),
      invalidated: () => invalidations.inc(),
      flushed: () => flushes.inc(),
    },
    onActiveChange: (on: boolean) => active.set(on ? 1 : 0),
  };
}
