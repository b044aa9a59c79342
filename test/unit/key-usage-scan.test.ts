// The key-usage gauge's timer: a first scan at start, one scan at a time (a slow scan skips ticks),
// failures reported and survived, nothing after stop.
import { describe, expect, it } from 'vitest';
import type { KeyUsage } from '../../src/sessions/key-usage.js';
import { startKeyUsageScan } from '../../src/sessions/key-usage-scan.js';

const USAGE: KeyUsage = { keys: [{ position: 1, id: 'aaaaaaaaaaaa', records: 3 }], unknown: 0 };

function rig() {
  let tick: (() => void) | undefined;
  let stopped = false;
  const pending: Array<{ resolve: (u: KeyUsage) => void; reject: (e: unknown) => void }> = [];
  const results: KeyUsage[] = [];
  const errors: unknown[] = [];
  const scan = startKeyUsageScan({
    intervalMs: 60_000,
    scan: () => new Promise((resolve, reject) => pending.push({ resolve, reject })),
    onResult: (u) => results.push(u),
    onError: (e) => errors.push(e),
    every: (ms, fn) => {
      expect(ms).toBe(60_000);
      tick = fn;
      return () => (stopped = true);
    },
  });
  return { scan, pending, results, errors, tick: () => tick!(), stopped: () => stopped };
}

describe('startKeyUsageScan', () => {
  it('scans at start and on each tick, never two at once', async () => {
    const r = rig();
    expect(r.pending).toHaveLength(1);
    r.tick(); // the first scan is still running: skipped
    expect(r.pending).toHaveLength(1);
    r.pending[0]!.resolve(USAGE);
    await r.scan.idle();
    expect(r.results).toEqual([USAGE]);
    r.tick();
    expect(r.pending).toHaveLength(2);
  });

  it('reports a failed scan and scans again on the next tick', async () => {
    const r = rig();
    r.pending[0]!.reject(new Error('store down'));
    await r.scan.idle();
    expect(r.errors).toHaveLength(1);
    r.tick();
    expect(r.pending).toHaveLength(2);
    r.scan.stop();
    expect(r.stopped()).toBe(true);
  });
});
