// issue 20: the session read cache's counters (src/sessions/cache/), apart from metrics.ts. No labels: a
// hit ratio per instance is what an operator reads, and a session id never becomes a label.
import { Counter, Gauge, type Registry } from 'prom-client';

export function sessionCacheMetrics(registers: Registry[]) {
  return {
    sessionCacheHits: new Counter({
      name: 'session_cache_hits_total',
      help: 'Session reads answered from this process memory (the record was cached and Redis had not invalidated it)',
      registers,
    }),
    sessionCacheMisses: new Counter({
      name: 'session_cache_misses_total',
      help: 'Session reads that went to Redis (not cached, or the cache is bypassed until tracking is re-established)',
      registers,
    }),
    sessionCacheInvalidations: new Counter({
      name: 'session_cache_invalidations_total',
      help: 'Session keys Redis reported changed (client-side caching invalidation messages, one per key)',
      registers,
    }),
    sessionCacheFlushes: new Counter({
      name: 'session_cache_flushes_total',
      help: 'Times the whole cache was dropped: a tracking connection closed, a read failed, or Redis was flushed',
      registers,
    }),
    sessionCacheActive: new Gauge({
      name: 'session_cache_active',
      help: '1 while Redis tracks this instance cached reads (CLIENT TRACKING established), else 0 (reads go to Redis)',
      registers,
    }),
  };
}
