// The service's Prometheus metrics, on a Registry of their own per app (tests build many apps in one
// process; the global registry would collide). Labels are bounded sets only: route patterns, operation
// names, outcome classes and reasons, never ids, e-mails or tokens.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UpstreamCallHook } from '../upstream/types.js';
import { sessionCacheMetrics } from './session-cache-metrics.js';

/** Seconds; spans a Redis round trip (sub-ms) to the upstream timeout (5 s default). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** issue 18 part 3: the `shop` label of a deployment without SHOPS_FILE. */
export const DEFAULT_SHOP = 'default';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const metrics = {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'Requests answered, by method, route pattern ("unmatched" for 404s), status code and shop (SHOPS_FILE; else "default")',
      labelNames: ['method', 'route', 'status_code', 'shop'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to finishing its response',
      labelNames: ['method', 'route', 'status_code', 'shop'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    shed: new Counter({
      name: 'http_requests_shed_total',
      help: 'Requests refused with 503 SERVICE_UNAVAILABLE because the process was under pressure, by signal',
      labelNames: ['reason'] as const,
      registers,
    }),
    upstreamCalls: new Counter({
      name: 'upstream_requests_total',
      help: 'Calls to the SCAYLE Authentication API by operation, outcome (HTTP status class or transport failure) and shop',
      labelNames: ['operation', 'outcome', 'shop'] as const,
      registers,
    }),
    upstreamDuration: new Histogram({
      name: 'upstream_request_duration_seconds',
      help: 'Duration of calls to the SCAYLE Authentication API, retry included',
      labelNames: ['operation', 'outcome', 'shop'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    refreshesStarted: new Counter({
      name: 'session_refreshes_started_total',
      help: 'Upstream token refreshes this instance started',
      labelNames: ['shop'] as const,
      registers,
    }),
    refreshesMerged: new Counter({
      name: 'session_refreshes_merged_total',
      help: 'Requests that needed a refresh and were served by one already running (here or on another instance)',
      labelNames: ['shop'] as const,
      registers,
    }),
    refreshesResumed: new Counter({
      name: 'session_refreshes_resumed_total',
      help: 'Refreshes finished from the token pair an earlier, failed attempt kept (SCAYLE was not called again)',
      labelNames: ['shop'] as const,
      registers,
    }),
    refreshFailures: new Counter({
      name: 'session_refresh_failures_total',
      help:
        'Refreshes that failed, by reason: rejected ends the session; upstream_* (SCAYLE), jwks_* and verification_failed ' +
        '(its JWKS), store_* (our store) and lock_contention keep it',
      labelNames: ['reason', 'shop'] as const,
      registers,
    }),
    refreshLockWait: new Histogram({
      name: 'session_refresh_lock_wait_seconds',
      help: "Time spent waiting for another request's or instance's refresh lock",
      buckets: LATENCY_BUCKETS,
      labelNames: ['shop'] as const,
      registers,
    }),
    storeErrors: new Counter({
      name: 'session_store_errors_total',
      help: 'Session store calls that failed because the store was unreachable, by store operation',
      labelNames: ['operation', 'shop'] as const,
      registers,
    }),
    storeDuration: new Histogram({
      name: 'session_store_operation_duration_seconds',
      help: 'Duration of session store calls, by store operation',
      labelNames: ['operation', 'shop'] as const,
      buckets: STORE_BUCKETS,
      registers,
    }),
    sessionsCreated: new Counter({
      name: 'sessions_created_total',
      help: 'Sessions created by this instance, by client mode (cookie or token)',
      labelNames: ['client_mode', 'shop'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'rate_limit_denials_total',
      help: 'Requests refused with 429 by our own limiters, by route group, budget (ip or email) and shop',
      labelNames: ['group', 'budget', 'shop'] as const,
      registers,
    }),
    // --- issue 15 ---
    sessionsEnded: new Counter({
      name: 'sessions_ended_total',
      help: 'Sessions ended by this process, by reason (logout, user, password, limit, ops, expired)',
      labelNames: ['reason', 'shop'] as const,
      registers,
    }),
    ...rateLimitFallbackMetrics(registers),
    ...keyRingMetrics(registers),
    ...enrichmentMetrics(registers), // issue 17 part 4
    ...sessionCacheMetrics(registers), // issue 20
    // --- issue 17 ---
    passwordValidations: new Counter({
      name: 'password_validations_total',
      help: 'Password validation checks (customer migration), by outcome (valid, invalid, unknown e-mail), hash format and shop',
      labelNames: ['outcome', 'format', 'shop'] as const,
      registers,
    }),
  };
  return metrics;
}

// Rate limits during a Redis outage (src/rate-limit/fallback-store.ts), kept apart from the block above.
function rateLimitFallbackMetrics(registers: Registry[]) {
  return {
    rateLimitFallback: new Counter({
      name: 'rate_limit_fallback_total',
      help: 'Rate-limit checks counted in this process because Redis was unreachable, by route group, budget (ip or email) and shop',
      labelNames: ['group', 'budget', 'shop'] as const,
      registers,
    }),
    rateLimitFallbackActive: new Gauge({
      name: 'rate_limit_fallback_active',
      help: '1 while rate limits are counted per instance because Redis is unreachable (as of the last check), else 0; by shop',
      labelNames: ['shop'] as const,
      registers,
    }),
  };
}

// --- issue 18: encryption key rotation (src/sessions/observed-crypto.ts) ---
// key_id is the 12-hex fingerprint a sealed record names (keyIdOf), never the key; bounded by the ring.
function keyRingMetrics(registers: Registry[]) {
  return {
    recordsSealed: new Counter({
      name: 'session_records_sealed_total',
      help: 'Session records this instance sealed (wrote), by encryption key id: the first SESSION_ENCRYPTION_KEYS key',
      labelNames: ['key_id', 'shop'] as const,
      registers,
    }),
    recordsOpened: new Counter({
      name: 'session_records_opened_total',
      help: 'Session records this instance opened (read), by the key id that sealed them: an old key is unused once this stays flat',
      labelNames: ['key_id', 'shop'] as const,
      registers,
    }),
    // Set only by the opt-in background scan (plugins/key-usage.ts), never computed on a scrape.
    keyUsageRecords: new Gauge({
      name: 'session_key_usage_records',
      help: 'Session records each key id still seals, as of the last key-usage scan ("unknown": keys no longer configured)',
      labelNames: ['key_id', 'shop'] as const,
      registers,
    }),
    keyUsageScanned: new Gauge({
      name: 'session_key_usage_scanned_timestamp_seconds',
      help: 'When the last key-usage scan finished (unix seconds)',
      labelNames: ['shop'] as const,
      registers,
    }),
  };
}
// --- end issue 18 ---

// issue 17 part 4: profile updates through the Admin API (src/enrichment/), kept apart from the blocks above.
function enrichmentMetrics(registers: Registry[]) {
  /** Set by the enrichment plugin: reads the dead-letter list's length at scrape time (any process may change it). */
  const deadLetterSource: { count?: () => Promise<number> } = {};
  return {
    enrichmentJobs: new Counter({
      name: 'enrichment_jobs_total',
      help: 'Profile-update tries by outcome: done, retry (another try scheduled), dead (moved to the dead-letter list)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    enrichmentDeadLetterSource: deadLetterSource,
    enrichmentDeadLetters: new Gauge({
      name: 'enrichment_dead_letters',
      help: 'Profile updates in the dead-letter list (npm run enrichment -- retry-dead re-queues them)',
      registers,
      async collect() {
        const count = await deadLetterSource.count?.().catch(() => undefined);
        if (count !== undefined) this.set(count);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The ScayleClient's onCall hook, feeding the upstream counter and histogram. */
/** `shop`: issue 18 part 3, whose SCAYLE tenant is called ("default" without SHOPS_FILE). */
export function upstreamCallObserver(metrics: Metrics, shop = DEFAULT_SHOP): UpstreamCallHook {
  return (operation, outcome, seconds) => {
    metrics.upstreamCalls.inc({ operation, outcome, shop });
    metrics.upstreamDuration.observe({ operation, outcome, shop }, seconds);
  };
}
