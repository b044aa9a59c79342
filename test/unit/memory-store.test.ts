// What only the memory adapter has: a size bound that counts every item (index members and side records
// included), locks and tombstones that eviction cannot touch, an injectable clock, and a sweep timer.
import { describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../../src/sessions/memory-store.js';
import { StoreUnavailableError } from '../../src/sessions/store.js';

const LONG = 60_000;
const v = (text: string): Buffer => Buffer.from(text);

describe('createMemoryStore', () => {
  it('evicts the least recently used entries beyond maxEntries', async () => {
    const store = createMemoryStore({ maxEntries: 3 });
    for (const sid of ['a', 'b', 'c']) await store.create(sid, v(sid), LONG);
    await store.get('a');
    await store.create('d', v('d'), LONG);
    expect(await store.get('b')).toBeNull();
    expect((await Promise.all(['a', 'c', 'd'].map((sid) => store.get(sid)))).map((r) => r?.value.toString())).toEqual(['a', 'c', 'd']);
    await store.close();
  });

  it('expires by the injected clock, like Redis once now > expiry', async () => {
    let now = 0;
    const store = createMemoryStore({ now: () => now });
    await store.create('s', v('v'), 1000);
    await store.putSide('s', 'n', v('side'), 500);
    await store.acquireLock('s', 'a', 2000);
    await store.indexAdd('c', 's', now + 1000);
    now += 1000;
    expect(await store.get('s')).not.toBeNull();
    expect(await store.getSide('s', 'n')).toBeNull();
    now += 1;
    expect(await store.get('s')).toBeNull();
    expect(await store.indexList('c')).toEqual([]);
    expect(await store.acquireLock('s', 'b', 1000)).toBe(false);
    now += 1000;
    expect(await store.acquireLock('s', 'b', 1000)).toBe(true);
    await store.close();
  });

  it('prunes the customer index by its own clock, for good, and keeps a side hash as long as its longest field', async () => {
    let now = 1_000_000;
    const store = createMemoryStore({ now: () => now });
    await store.indexAdd('c', 'soon', now + 1000);
    await store.indexAdd('c', 'later', now + 2000);
    now += 1000;
    expect(await store.indexList('c')).toEqual(['later']);
    now -= 1000;
    expect(await store.indexList('c')).toEqual(['later']);
    await store.putSide('s', 'long', v('l'), 2000);
    await store.putSide('s', 'short', v('s'), 100);
    now += 1999;
    expect(await store.getSide('s', 'long')).toEqual(v('l'));
    expect(await store.getSide('s', 'short')).toBeNull();
    expect(await store.indexList('c')).toEqual(['later']);
    // A side field and an index member end at their expiry (as the Redis scripts compare them).
    now += 1;
    expect(await store.getSide('s', 'long')).toBeNull();
    expect(await store.indexList('c')).toEqual([]);
    await store.close();
  });

  it('counts every index member and side record toward the bound', async () => {
    const store = createMemoryStore({ maxEntries: 10 });
    for (const sid of ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']) await store.create(sid, v(sid), LONG);
    const at = Date.now();
    for (let i = 0; i < 5; i += 1) await store.indexAdd('c', `m${i}`, at + LONG + i);
    // 6 records and 5 members are 11 items: the least recently used record had to go.
    expect(await store.get('r1')).toBeNull();
    expect(await store.get('r2')).not.toBeNull();
    expect(await store.indexList('c')).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    for (let i = 0; i < 4; i += 1) await store.putSide('r6', `n${i}`, v('x'), LONG);
    const left = await Promise.all(['r2', 'r3', 'r4', 'r5', 'r6'].map((sid) => store.get(sid)));
    expect(left.filter((r) => r !== null)).toHaveLength(1);
    await store.close();
  });

  it('keeps one customer index within half the bound, dropping the members closest to expiry', async () => {
    const store = createMemoryStore({ maxEntries: 8 });
    const at = Date.now();
    await store.create('record', v('r'), LONG);
    for (let i = 0; i < 10; i += 1) await store.indexAdd('c', `m${i}`, at + LONG + (i % 2 ? 10 - i : i) * 1000);
    const listed = await store.indexList('c');
    expect(listed).toHaveLength(4);
    expect(listed).toEqual(['m6', 'm3', 'm8', 'm1']);
    expect(await store.get('record')).not.toBeNull();
    await store.close();
  });

  it('holds an index of 150 000 sessions (no spread of every score into Math.max)', async () => {
    const store = createMemoryStore({ maxEntries: 400_000 });
    const at = Date.now() + LONG;
    for (let i = 0; i < 150_000; i += 1) await store.indexAdd('c', `s${i}`, at + i);
    const listed = await store.indexList('c');
    expect(listed).toHaveLength(150_000);
    expect(listed.at(-1)).toBe('s149999');
    await store.close();
  });

  it('keeps locks and tombstones through a flood of creates', async () => {
    const store = createMemoryStore({ maxEntries: 3 });
    await store.create('gone', v('r'), LONG);
    await store.destroy('gone', LONG);
    expect(await store.acquireLock('busy', 'owner', LONG)).toBe(true);
    for (let i = 0; i < 1000; i += 1) await store.create(`flood-${i}`, v('x'), LONG);
    expect(await store.isTombstoned('gone')).toBe(true);
    expect(await store.create('gone', v('again'), LONG)).toBe(false);
    expect(await store.acquireLock('busy', 'intruder', LONG)).toBe(false);
    expect(await store.renewLock('busy', 'owner', LONG)).toBe(true);
    await store.close();
  });

  it('refuses a new lock or tombstone while maxGuards are live, changing nothing, and has room again once one expires', async () => {
    let now = 1_000_000;
    const store = createMemoryStore({ maxGuards: 2, now: () => now });
    expect(await store.acquireLock('a', 'o', 1000)).toBe(true);
    await store.destroy('b', 5000);
    await store.create('c', v('c'), LONG);
    await expect(store.acquireLock('x', 'o', 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.destroy('c', 5000)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.get('c')).not.toBeNull();
    // Held ones stay usable: renewing and re-tombstoning need no new room.
    expect(await store.renewLock('a', 'o', 1000)).toBe(true);
    expect(await store.destroy('b', 5000)).toBe(false);
    expect(await store.isTombstoned('b')).toBe(true);
    now += 1001;
    expect(await store.destroy('c', 5000)).toBe(true);
    expect(await store.isTombstoned('c')).toBe(true);
    await store.close();
  });

  it('sweeps expired entries on a timer that close() clears', async () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const store = createMemoryStore({ maxEntries: 2, now: () => now, sweepIntervalMs: 1000 });
      expect(vi.getTimerCount()).toBe(1);
      await store.create('live', v('v'), LONG);
      await store.create('expired', v('v'), 100);
      now += 200;
      vi.advanceTimersByTime(1000);
      // Without the sweep, the expired entry would hold its slot and 'live' (least recent) would go.
      await store.create('new', v('v'), LONG);
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
    expect(() => createMemoryStore({ maxGuards: 0 })).toThrow(RangeError);
    expect(() => createMemoryStore({ maxEntries: 1.5 })).toThrow(RangeError);
  });
});
