// What only the memory adapter has: a size bound, an injectable clock, and a sweep timer.
import { describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../../src/sessions/memory-store.js';
import { StoreUnavailableError } from '../../src/sessions/store.js';

describe('createMemoryStore', () => {
  it('evicts the least recently used entries beyond maxEntries', async () => {
    const store = createMemoryStore({ maxEntries: 3 });
    for (const sid of ['a', 'b', 'c']) await store.create(sid, Buffer.from(sid), 60_000);
    await store.get('a');
    await store.create('d', Buffer.from('d'), 60_000);
    expect(await store.get('b')).toBeNull();
    expect((await Promise.all(['a', 'c', 'd'].map((sid) => store.get(sid)))).map((r) => r?.value.toString())).toEqual(['a', 'c', 'd']);
    await store.close();
  });

  it('expires by the injected clock, like Redis once now > expiry', async () => {
    let now = 0;
    const store = createMemoryStore({ now: () => now });
    await store.create('s', Buffer.from('v'), 1000);
    await store.putSide('s', 'n', Buffer.from('side'), 500);
    await store.acquireLock('s', 'a', 2000);
    await store.indexAdd('c', 's', now + 1000);
    now += 1000;
    expect(await store.get('s')).not.toBeNull();
    expect(await store.getSide('s', 'n')).toBeNull();
    now += 1;
    expect(await store.get('s')).toBeNull();
    expect(await store.indexList('c', now - 1)).toEqual([]);
    expect(await store.acquireLock('s', 'b', 1000)).toBe(false);
    now += 1000;
    expect(await store.acquireLock('s', 'b', 1000)).toBe(true);
    await store.close();
  });

  it('sweeps expired entries on a timer that close() clears', async () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const store = createMemoryStore({ maxEntries: 2, now: () => now, sweepIntervalMs: 1000 });
      expect(vi.getTimerCount()).toBe(1);
      await store.create('live', Buffer.from('v'), 60_000);
      await store.create('expired', Buffer.from('v'), 100);
      now += 200;
      vi.advanceTimersByTime(1000);
      // Without the sweep, the expired entry would hold its slot and 'live' (least recent) would go.
      await store.create('new', Buffer.from('v'), 60_000);
      expect(await store.get('live')).not.toBeNull();
      await store.close();
      expect(vi.getTimerCount()).toBe(0);
      await expect(store.get('s')).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a non-positive bound', () => {
    expect(() => createMemoryStore({ maxEntries: 0 })).toThrow(RangeError);
  });
});
