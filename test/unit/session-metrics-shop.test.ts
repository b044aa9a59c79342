// The session store's and session cache's metrics carry the shop of the context that bound them (issue 18
// part 3): two shops on one registry keep their own series.
import { describe, expect, it } from 'vitest';
import { instrumentStore } from '../../src/metrics/instrumented-store.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { sessionCacheEvents } from '../../src/metrics/session-cache-metrics.js';
import { StoreUnavailableError, type SessionStore } from '../../src/sessions/store.js';

/** A store whose ping answers, or fails as unreachable; the wrapper reads only the method it calls. */
const pingStore = (up: boolean) =>
  ({
    ping: () => (up ? Promise.resolve(true) : Promise.reject(new StoreUnavailableError('down'))),
    close: () => Promise.resolve(),
  }) as unknown as SessionStore;

describe('session metrics per shop', () => {
  it("times and counts each shop's store calls under its own shop label", async () => {
    const metrics = createMetrics();
    const a = instrumentStore(pingStore(true), metrics, 'a');
    const b = instrumentStore(pingStore(false), metrics, 'b');
    await a.ping();
    await a.ping();
    await expect(b.ping()).rejects.toBeInstanceOf(StoreUnavailableError);

    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^session_store_operation_duration_seconds_count\{operation="ping",shop="a"\} 2$/m);
    expect(text).toMatch(/^session_store_operation_duration_seconds_count\{operation="ping",shop="b"\} 1$/m);
    expect(text).toMatch(/^session_store_errors_total\{operation="ping",shop="b"\} 1$/m);
    expect(text).not.toMatch(/^session_store_errors_total\{operation="ping",shop="a"\}/m);
  });

  it('labels a store without a shop "default"', async () => {
    const metrics = createMetrics();
    await instrumentStore(pingStore(true), metrics).ping();
    expect(await metrics.registry.metrics()).toMatch(
      /^session_store_operation_duration_seconds_count\{operation="ping",shop="default"\} 1$/m,
    );
  });

  it("counts each shop's cache hits, misses and state apart", async () => {
    const metrics = createMetrics();
    const a = sessionCacheEvents(metrics, 'a');
    const b = sessionCacheEvents(metrics, 'b');
    a.events.hit();
    a.events.hit();
    b.events.miss();
    b.events.flushed();
    a.onActiveChange(true);
    b.onActiveChange(false);

    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^session_cache_hits_total\{shop="a"\} 2$/m);
    expect(text).toMatch(/^session_cache_misses_total\{shop="b"\} 1$/m);
    expect(text).toMatch(/^session_cache_flushes_total\{shop="b"\} 1$/m);
    expect(text).toMatch(/^session_cache_hits_total\{shop="b"\} 0$/m);
    expect(text).toMatch(/^session_cache_active\{shop="a"\} 1$/m);
    expect(text).toMatch(/^session_cache_active\{shop="b"\} 0$/m);
  });
});
