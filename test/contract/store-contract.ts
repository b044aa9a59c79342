// The SessionStore contract as one suite; session-store.test.ts runs it against every adapter so memory
// and Redis cannot drift apart. Expiry is tested in real time with short TTLs.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/sessions/store.js';
import { StoreUnavailableError } from '../../src/sessions/store.js';

const SHORT = 150;
const PAST_SHORT = 350;
const LONG = 60_000;

export function describeStoreContract(name: string, factory: () => SessionStore | Promise<SessionStore>): void {
  describe(`SessionStore contract: ${name}`, () => {
    let store: SessionStore;
    let sid: string;
    beforeEach(async () => {
      store = await factory();
      sid = randomUUID();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('records', () => {
      it('creates a record at version 1 and reads it back', async () => {
        expect(await store.create(sid, 'v1', LONG)).toBe(true);
        expect(await store.get(sid)).toEqual({ value: 'v1', version: 1 });
        expect(await store.get(randomUUID())).toBeNull();
      });

      it('round-trips values exactly', async () => {
        const values = ['', 'ümlaut 🍪 "quoted" \\ \n', JSON.stringify({ a: [1, null] }), 'x'.repeat(64 * 1024), '5:colon'];
        for (const value of values) {
          const id = randomUUID();
          await store.create(id, value, LONG);
          expect((await store.get(id))?.value).toBe(value);
        }
      });

      it('refuses to create over an existing record and leaves it unchanged', async () => {
        await store.create(sid, 'first', LONG);
        expect(await store.create(sid, 'second', LONG)).toBe(false);
        expect(await store.get(sid)).toEqual({ value: 'first', version: 1 });
      });

      it('refuses to create over a tombstone', async () => {
        await store.create(sid, 'v1', LONG);
        await store.destroy(sid, LONG);
        expect(await store.create(sid, 'again', LONG)).toBe(false);
        expect(await store.get(sid)).toBeNull();
      });

      it('compare-and-set replaces at the expected version and bumps it', async () => {
        await store.create(sid, 'v1', LONG);
        expect(await store.compareAndSet(sid, 1, 'v2', LONG)).toBe('ok');
        expect(await store.get(sid)).toEqual({ value: 'v2', version: 2 });
        expect(await store.compareAndSet(sid, 1, 'stale', LONG)).toBe('conflict');
        expect(await store.compareAndSet(sid, 3, 'future', LONG)).toBe('conflict');
        expect(await store.get(sid)).toEqual({ value: 'v2', version: 2 });
        expect(await store.compareAndSet(randomUUID(), 1, 'x', LONG)).toBe('missing');
      });

      it('compare-and-set never resurrects a destroyed record', async () => {
        await store.create(sid, 'v1', LONG);
        await store.destroy(sid, LONG);
        expect(await store.compareAndSet(sid, 1, 'late write', LONG)).toBe('missing');
        expect(await store.get(sid)).toBeNull();
      });

      it('expires a record after its TTL', async () => {
        await store.create(sid, 'v1', SHORT);
        expect(await store.get(sid)).not.toBeNull();
        await sleep(PAST_SHORT);
        expect(await store.get(sid)).toBeNull();
        expect(await store.compareAndSet(sid, 1, 'v2', LONG)).toBe('missing');
        expect(await store.create(sid, 'fresh', LONG)).toBe(true);
      });

      it('compare-and-set resets the TTL', async () => {
        await store.create(sid, 'v1', 250);
        await sleep(150);
        expect(await store.compareAndSet(sid, 1, 'v2', 600)).toBe('ok');
        await sleep(250);
        expect(await store.get(sid)).toEqual({ value: 'v2', version: 2 });
      });
    });

    describe('destroy and tombstones', () => {
      it('is idempotent and reports whether a record was deleted', async () => {
        await store.create(sid, 'v1', LONG);
        expect(await store.isTombstoned(sid)).toBe(false);
        expect(await store.destroy(sid, LONG)).toBe(true);
        expect(await store.destroy(sid, LONG)).toBe(false);
        expect(await store.isTombstoned(sid)).toBe(true);
        expect(await store.get(sid)).toBeNull();
      });

      it('tombstones an id that had no record', async () => {
        expect(await store.destroy(sid, LONG)).toBe(false);
        expect(await store.isTombstoned(sid)).toBe(true);
        expect(await store.create(sid, 'v1', LONG)).toBe(false);
      });

      it('lets the tombstone expire', async () => {
        await store.create(sid, 'v1', LONG);
        await store.destroy(sid, SHORT);
        await sleep(PAST_SHORT);
        expect(await store.isTombstoned(sid)).toBe(false);
        expect(await store.create(sid, 'new life', LONG)).toBe(true);
      });
    });

    describe('locks', () => {
      it('is held by one owner at a time and released only by it', async () => {
        expect(await store.acquireLock(sid, 'a', LONG)).toBe(true);
        expect(await store.acquireLock(sid, 'b', LONG)).toBe(false);
        expect(await store.acquireLock(sid, 'a', LONG)).toBe(false);
        await store.releaseLock(sid, 'b');
        expect(await store.acquireLock(sid, 'b', LONG)).toBe(false);
        await store.releaseLock(sid, 'a');
        expect(await store.acquireLock(sid, 'b', LONG)).toBe(true);
        expect(await store.acquireLock(randomUUID(), 'a', LONG)).toBe(true);
      });

      it('is renewed only by its owner, and renewing extends it', async () => {
        await store.acquireLock(sid, 'a', 250);
        expect(await store.renewLock(sid, 'b', LONG)).toBe(false);
        await sleep(150);
        expect(await store.renewLock(sid, 'a', 600)).toBe(true);
        await sleep(250);
        expect(await store.acquireLock(sid, 'b', LONG)).toBe(false);
        expect(await store.renewLock(randomUUID(), 'a', LONG)).toBe(false);
      });

      it('expires, after which the old owner can neither renew nor release it', async () => {
        await store.acquireLock(sid, 'a', SHORT);
        await sleep(PAST_SHORT);
        expect(await store.renewLock(sid, 'a', LONG)).toBe(false);
        expect(await store.acquireLock(sid, 'b', LONG)).toBe(true);
        await store.releaseLock(sid, 'a');
        expect(await store.acquireLock(sid, 'c', LONG)).toBe(false);
      });
    });

    describe('side records', () => {
      it('stores, overwrites and reads named side records per session', async () => {
        await store.create(sid, 'v1', LONG);
        await store.putSide(sid, 'refresh:abc', 'r1', LONG);
        await store.putSide(sid, 'other', 'o1', LONG);
        await store.putSide(sid, 'refresh:abc', 'r2', LONG);
        expect(await store.getSide(sid, 'refresh:abc')).toBe('r2');
        expect(await store.getSide(sid, 'other')).toBe('o1');
        expect(await store.getSide(sid, 'unknown')).toBeNull();
        expect(await store.getSide(randomUUID(), 'other')).toBeNull();
      });

      it('expires each side record on its own TTL, whatever the write order', async () => {
        await store.putSide(sid, 'first', 'f', SHORT);
        await store.putSide(sid, 'long', 'l', 800);
        await store.putSide(sid, 'last', 's', SHORT);
        expect(await store.getSide(sid, 'first')).toBe('f');
        await sleep(PAST_SHORT);
        expect(await store.getSide(sid, 'first')).toBeNull();
        expect(await store.getSide(sid, 'last')).toBeNull();
        expect(await store.getSide(sid, 'long')).toBe('l');
      });

      it('is destroyed with its session and not written back while tombstoned', async () => {
        await store.create(sid, 'v1', LONG);
        await store.putSide(sid, 'result', 'r', LONG);
        await store.destroy(sid, LONG);
        expect(await store.getSide(sid, 'result')).toBeNull();
        await store.putSide(sid, 'result', 'late', LONG);
        expect(await store.getSide(sid, 'result')).toBeNull();
      });
    });

    describe('customer index', () => {
      it('lists session ids by ascending expiry; re-adding moves an id', async () => {
        const customer = randomUUID();
        const now = Date.now();
        await store.indexAdd(customer, 's-b', now + 20_000);
        await store.indexAdd(customer, 's-a', now + 10_000);
        await store.indexAdd(customer, 's-c', now + 30_000);
        expect(await store.indexList(customer, now)).toEqual(['s-a', 's-b', 's-c']);
        await store.indexAdd(customer, 's-a', now + 40_000);
        expect(await store.indexList(customer, now)).toEqual(['s-b', 's-c', 's-a']);
        expect(await store.indexList(randomUUID(), now)).toEqual([]);
      });

      it('prunes expired entries on read, for good', async () => {
        const customer = randomUUID();
        const now = Date.now();
        await store.indexAdd(customer, 'gone', now - 1);
        await store.indexAdd(customer, 'soon', now + 10_000);
        await store.indexAdd(customer, 'later', now + 20_000);
        expect(await store.indexList(customer, now)).toEqual(['soon', 'later']);
        expect(await store.indexList(customer, now + 10_000)).toEqual(['later']);
        expect(await store.indexList(customer, now)).toEqual(['later']);
        expect(await store.indexList(customer, now + 20_000)).toEqual([]);
      });

      it('removes an id, and removing an unknown one is harmless', async () => {
        const customer = randomUUID();
        const now = Date.now();
        await store.indexAdd(customer, 'one', now + LONG);
        await store.indexAdd(customer, 'two', now + LONG);
        await store.indexRemove(customer, 'one');
        await store.indexRemove(customer, 'never-added');
        await store.indexRemove(randomUUID(), 'one');
        expect(await store.indexList(customer, now)).toEqual(['two']);
        await store.indexRemove(customer, 'two');
        expect(await store.indexList(customer, now)).toEqual([]);
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of 20 parallel compare-and-sets on one version win', async () => {
        await store.create(sid, 'v1', LONG);
        const writers = Array.from({ length: 20 }, (_, i) => store.compareAndSet(sid, 1, `writer-${i}`, LONG));
        const results = await Promise.all(writers);
        expect(results.filter((r) => r === 'ok')).toHaveLength(1);
        expect(results.filter((r) => r === 'conflict')).toHaveLength(19);
        const winner = results.indexOf('ok');
        expect(await store.get(sid)).toEqual({ value: `writer-${winner}`, version: 2 });
      });

      it('lets exactly one of 20 parallel creates and lock acquisitions win', async () => {
        const creates = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(sid, `c-${i}`, LONG)));
        expect(creates.filter(Boolean)).toHaveLength(1);
        const locks = await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquireLock(sid, `o-${i}`, LONG)));
        expect(locks.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('lifecycle and arguments', () => {
      it('answers ping, closes idempotently and rejects calls after close', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        await store.close();
        await expect(store.get(sid)).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      });

      it('rejects caller bugs as such, not as an unavailable store', async () => {
        await expect(store.create(sid, 'v', 0)).rejects.toBeInstanceOf(RangeError);
        await expect(store.create(sid, 'v', Number.NaN)).rejects.toBeInstanceOf(RangeError);
        await expect(store.create(sid, 42 as unknown as string, LONG)).rejects.toBeInstanceOf(TypeError);
        await expect(store.get('a}b{c')).rejects.toBeInstanceOf(TypeError);
        await expect(store.compareAndSet(sid, 1.5, 'v', LONG)).rejects.toBeInstanceOf(RangeError);
        await expect(store.indexAdd('c', sid, Number.POSITIVE_INFINITY)).rejects.toBeInstanceOf(RangeError);
        expect(await store.get(sid)).toBeNull();
      });
    });
  });
}
