// The SessionStore contract as one suite; session-store.test.ts runs it against every adapter so memory
// and Redis cannot drift apart. Values are bytes. Expiry runs on the adapter's clock (StoreTime): a fake
// one jumps, Redis keeps its own time and is waited for, so each expiry case only asserts "gone" after
// more than the TTL has passed and "still there" with seconds to spare.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/sessions/store.js';
import { StoreUnavailableError } from '../../src/sessions/store.js';

/** Test values are bytes; most are spelled as text for readability. */
const b = (text: string): Buffer => Buffer.from(text, 'utf8');
/** Every byte value, including NUL, ':' and sequences that are not valid UTF-8. */
const ALL_BYTES = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) % 256));

const LONG = 60_000;

/** How time passes for the store under test. */
export interface StoreTime {
  /** The unit of the expiry cases, ms: a "short" TTL; "still there" checks keep at least this much margin. */
  ttlMs: number;
  /** Lets `ms` pass on the store's clock (a fake clock jumps; real time is waited for). */
  elapse(ms: number): Promise<void>;
  /** The store's current time in epoch ms (for the customer index, which takes `now` as an argument). */
  now(): number;
}

/** A fresh store and the clock it runs on (a fake clock belongs to one store: expiry cases run concurrently). */
export interface StoreUnderTest {
  store: SessionStore;
  time: StoreTime;
}

export function describeStoreContract(name: string, factory: () => StoreUnderTest | Promise<StoreUnderTest>): void {
  describe(`SessionStore contract: ${name}`, () => {
    let store: SessionStore;
    let time: StoreTime;
    let sid: string;
    beforeEach(async () => {
      ({ store, time } = await factory());
      sid = randomUUID();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('records', () => {
      it('creates a record at version 1 and reads it back', async () => {
        expect(await store.create(sid, b('v1'), LONG)).toBe(true);
        expect(await store.get(sid)).toEqual({ value: b('v1'), version: 1 });
        expect(await store.get(randomUUID())).toBeNull();
      });

      it('round-trips values exactly, binary included', async () => {
        const texts = ['', 'ümlaut 🍪 "quoted" \\ \n', JSON.stringify({ a: [1, null] }), 'x'.repeat(64 * 1024), '5:colon'];
        const values = [...texts.map(b), ALL_BYTES, Buffer.alloc(8), Buffer.from([0xff, 0xfe, 0, 1, 2])];
        for (const value of values) {
          const id = randomUUID();
          await store.create(id, value, LONG);
          const stored = await store.get(id);
          expect(Buffer.isBuffer(stored?.value)).toBe(true);
          expect(stored?.value.equals(value)).toBe(true);
          expect(await store.compareAndSet(id, 1, Buffer.concat([value, ALL_BYTES]), LONG)).toBe('ok');
          expect((await store.get(id))?.value.equals(Buffer.concat([value, ALL_BYTES]))).toBe(true);
        }
      });

      it('accepts a plain Uint8Array and hands back a Buffer', async () => {
        const bytes = new Uint8Array(new ArrayBuffer(16), 4, 8).fill(0x2a);
        await store.create(sid, bytes, LONG);
        expect(await store.get(sid)).toEqual({ value: Buffer.from(bytes), version: 1 });
        await store.putSide(sid, 'n', bytes, LONG);
        expect(await store.getSide(sid, 'n')).toEqual(Buffer.from(bytes));
      });

      it('copies values in and out: changing a buffer after a call changes nothing stored', async () => {
        const value = b('original');
        await store.create(sid, value, LONG);
        value.fill(0);
        const first = await store.get(sid);
        expect(first?.value).toEqual(b('original'));
        first!.value.fill(0);
        expect((await store.get(sid))?.value).toEqual(b('original'));

        const next = b('next');
        await store.compareAndSet(sid, 1, next, LONG);
        next.fill(0);
        expect((await store.get(sid))?.value).toEqual(b('next'));

        const side = b('side');
        await store.putSide(sid, 'n', side, LONG);
        side.fill(0);
        (await store.getSide(sid, 'n'))!.fill(0);
        expect(await store.getSide(sid, 'n')).toEqual(b('side'));
      });

      it('keeps counting versions past one byte', async () => {
        await store.create(sid, b('v'), LONG);
        for (let version = 1; version <= 300; version += 1) {
          expect(await store.compareAndSet(sid, version, b(`v${version + 1}`), LONG)).toBe('ok');
        }
        expect(await store.get(sid)).toEqual({ value: b('v301'), version: 301 });
        expect(await store.compareAndSet(sid, 300, b('stale'), LONG)).toBe('conflict');
        expect(await store.compareAndSet(sid, 301 + 256, b('aliased'), LONG)).toBe('conflict');
        expect(await store.compareAndSet(sid, 0, b('zero'), LONG)).toBe('conflict');
      });

      it('refuses to create over an existing record and leaves it unchanged', async () => {
        await store.create(sid, b('first'), LONG);
        expect(await store.create(sid, b('second'), LONG)).toBe(false);
        expect(await store.get(sid)).toEqual({ value: b('first'), version: 1 });
      });

      it('refuses to create over a tombstone', async () => {
        await store.create(sid, b('v1'), LONG);
        await store.destroy(sid, LONG);
        expect(await store.create(sid, b('again'), LONG)).toBe(false);
        expect(await store.get(sid)).toBeNull();
      });

      it('compare-and-set replaces at the expected version and bumps it', async () => {
        await store.create(sid, b('v1'), LONG);
        expect(await store.compareAndSet(sid, 1, b('v2'), LONG)).toBe('ok');
        expect(await store.get(sid)).toEqual({ value: b('v2'), version: 2 });
        expect(await store.compareAndSet(sid, 1, b('stale'), LONG)).toBe('conflict');
        expect(await store.compareAndSet(sid, 3, b('future'), LONG)).toBe('conflict');
        expect(await store.get(sid)).toEqual({ value: b('v2'), version: 2 });
        expect(await store.compareAndSet(randomUUID(), 1, b('x'), LONG)).toBe('missing');
      });

      it('compare-and-set never resurrects a destroyed record', async () => {
        await store.create(sid, b('v1'), LONG);
        await store.destroy(sid, LONG);
        expect(await store.compareAndSet(sid, 1, b('late write'), LONG)).toBe('missing');
        expect(await store.get(sid)).toBeNull();
      });
    });

    describe('destroy and tombstones', () => {
      it('is idempotent and reports whether a record was deleted', async () => {
        await store.create(sid, b('v1'), LONG);
        expect(await store.isTombstoned(sid)).toBe(false);
        expect(await store.destroy(sid, LONG)).toBe(true);
        expect(await store.destroy(sid, LONG)).toBe(false);
        expect(await store.isTombstoned(sid)).toBe(true);
        expect(await store.get(sid)).toBeNull();
      });

      it('tombstones an id that had no record', async () => {
        expect(await store.destroy(sid, LONG)).toBe(false);
        expect(await store.isTombstoned(sid)).toBe(true);
        expect(await store.create(sid, b('v1'), LONG)).toBe(false);
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
    });

    describe('side records', () => {
      it('stores, overwrites and reads named side records per session', async () => {
        await store.create(sid, b('v1'), LONG);
        await store.putSide(sid, 'refresh:abc', b('r1'), LONG);
        await store.putSide(sid, 'other', b('o1'), LONG);
        await store.putSide(sid, 'refresh:abc', b('r2'), LONG);
        expect(await store.getSide(sid, 'refresh:abc')).toEqual(b('r2'));
        expect(await store.getSide(sid, 'other')).toEqual(b('o1'));
        expect(await store.getSide(sid, 'unknown')).toBeNull();
        expect(await store.getSide(randomUUID(), 'other')).toBeNull();
        // Binary values survive, including ':' (the Redis adapter prefixes the field with "<expiry>:").
        await store.putSide(sid, 'binary', ALL_BYTES, LONG);
        expect((await store.getSide(sid, 'binary'))?.equals(ALL_BYTES)).toBe(true);
      });

      it('is destroyed with its session and not written back while tombstoned', async () => {
        await store.create(sid, b('v1'), LONG);
        await store.putSide(sid, 'result', b('r'), LONG);
        await store.destroy(sid, LONG);
        expect(await store.getSide(sid, 'result')).toBeNull();
        await store.putSide(sid, 'result', b('late'), LONG);
        expect(await store.getSide(sid, 'result')).toBeNull();
      });
    });

    // Real time for Redis: concurrent, so the run waits for the longest case rather than for their sum.
    describe.concurrent('expiry', () => {
      type Case = (store: SessionStore, sid: string, time: StoreTime, T: number) => Promise<void>;
      const withStore = async (body: Case): Promise<void> => {
        const own = await factory();
        try {
          await body(own.store, randomUUID(), own.time, own.time.ttlMs);
        } finally {
          await own.store.close();
        }
      };

      it('expires a record after its TTL', () =>
        withStore(async (store, sid, time, T) => {
          await store.create(sid, b('v1'), T);
          expect(await store.get(sid)).not.toBeNull();
          await time.elapse(1.5 * T);
          expect(await store.get(sid)).toBeNull();
          expect(await store.compareAndSet(sid, 1, b('v2'), LONG)).toBe('missing');
          expect(await store.create(sid, b('fresh'), LONG)).toBe(true);
        }));

      it('compare-and-set resets the TTL', () =>
        withStore(async (store, sid, time, T) => {
          await store.create(sid, b('v1'), 2 * T);
          await time.elapse(0.5 * T);
          expect(await store.compareAndSet(sid, 1, b('v2'), 6 * T)).toBe('ok');
          // Past the first TTL, long before the second.
          await time.elapse(2 * T);
          expect(await store.get(sid)).toEqual({ value: b('v2'), version: 2 });
        }));

      it('lets the tombstone expire', () =>
        withStore(async (store, sid, time, T) => {
          await store.create(sid, b('v1'), LONG);
          await store.destroy(sid, T);
          await time.elapse(1.5 * T);
          expect(await store.isTombstoned(sid)).toBe(false);
          expect(await store.create(sid, b('new life'), LONG)).toBe(true);
        }));

      it('is renewed only by its owner, and renewing extends it', () =>
        withStore(async (store, sid, time, T) => {
          await store.acquireLock(sid, 'a', 2 * T);
          expect(await store.renewLock(sid, 'b', LONG)).toBe(false);
          await time.elapse(0.5 * T);
          expect(await store.renewLock(sid, 'a', 6 * T)).toBe(true);
          await time.elapse(2 * T);
          expect(await store.acquireLock(sid, 'b', LONG)).toBe(false);
          expect(await store.renewLock(randomUUID(), 'a', LONG)).toBe(false);
        }));

      it('expires, after which the old owner can neither renew nor release it', () =>
        withStore(async (store, sid, time, T) => {
          await store.acquireLock(sid, 'a', T);
          await time.elapse(1.5 * T);
          expect(await store.renewLock(sid, 'a', LONG)).toBe(false);
          expect(await store.acquireLock(sid, 'b', LONG)).toBe(true);
          await store.releaseLock(sid, 'a');
          expect(await store.acquireLock(sid, 'c', LONG)).toBe(false);
        }));

      it('expires each side record on its own TTL, whatever the write order', () =>
        withStore(async (store, sid, time, T) => {
          await store.putSide(sid, 'first', b('f'), T);
          await store.putSide(sid, 'long', b('l'), 6 * T);
          await store.putSide(sid, 'last', b('s'), T);
          expect(await store.getSide(sid, 'first')).toEqual(b('f'));
          await time.elapse(1.5 * T);
          expect(await store.getSide(sid, 'first')).toBeNull();
          expect(await store.getSide(sid, 'last')).toBeNull();
          expect(await store.getSide(sid, 'long')).toEqual(b('l'));
        }));
    });

    describe('customer index', () => {
      it('lists session ids by ascending expiry; re-adding moves an id', async () => {
        const customer = randomUUID();
        const now = time.now();
        await store.indexAdd(customer, 's-b', now + 20_000);
        await store.indexAdd(customer, 's-a', now + 10_000);
        await store.indexAdd(customer, 's-c', now + 30_000);
        expect(await store.indexList(customer)).toEqual(['s-a', 's-b', 's-c']);
        await store.indexAdd(customer, 's-a', now + 40_000);
        expect(await store.indexList(customer)).toEqual(['s-b', 's-c', 's-a']);
        expect(await store.indexList(randomUUID())).toEqual([]);
      });

      it('never lists an entry whose expiry has passed by the store clock', async () => {
        const customer = randomUUID();
        const now = time.now();
        await store.indexAdd(customer, 'soon', now + 10_000);
        await store.indexAdd(customer, 'gone', now - 1);
        await store.indexAdd(customer, 'later', now + 20_000);
        expect(await store.indexList(customer)).toEqual(['soon', 'later']);
        await store.indexAdd(customer, 'soon', now - 1);
        expect(await store.indexList(customer)).toEqual(['later']);
      });

      it('removes an id, and removing an unknown one is harmless', async () => {
        const customer = randomUUID();
        const now = time.now();
        await store.indexAdd(customer, 'one', now + LONG);
        await store.indexAdd(customer, 'two', now + LONG);
        await store.indexRemove(customer, 'one');
        await store.indexRemove(customer, 'never-added');
        await store.indexRemove(randomUUID(), 'one');
        expect(await store.indexList(customer)).toEqual(['two']);
        await store.indexRemove(customer, 'two');
        expect(await store.indexList(customer)).toEqual([]);
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of 20 parallel compare-and-sets on one version win', async () => {
        await store.create(sid, b('v1'), LONG);
        const writers = Array.from({ length: 20 }, (_, i) => store.compareAndSet(sid, 1, b(`writer-${i}`), LONG));
        const results = await Promise.all(writers);
        expect(results.filter((r) => r === 'ok')).toHaveLength(1);
        expect(results.filter((r) => r === 'conflict')).toHaveLength(19);
        const winner = results.indexOf('ok');
        expect(await store.get(sid)).toEqual({ value: b(`writer-${winner}`), version: 2 });
      });

      it('lets exactly one of 20 parallel creates and lock acquisitions win', async () => {
        const creates = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(sid, b(`c-${i}`), LONG)));
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
        await expect(store.create(sid, b('v'), 0)).rejects.toBeInstanceOf(RangeError);
        await expect(store.create(sid, b('v'), Number.NaN)).rejects.toBeInstanceOf(RangeError);
        await expect(store.create(sid, 42 as unknown as Buffer, LONG)).rejects.toBeInstanceOf(TypeError);
        await expect(store.create(sid, 'text' as unknown as Buffer, LONG)).rejects.toBeInstanceOf(TypeError);
        await expect(store.putSide(sid, 'n', 'text' as unknown as Buffer, LONG)).rejects.toBeInstanceOf(TypeError);
        await expect(store.get('a}b{c')).rejects.toBeInstanceOf(TypeError);
        await expect(store.compareAndSet(sid, 1.5, b('v'), LONG)).rejects.toBeInstanceOf(RangeError);
        await expect(store.compareAndSet(sid, -1, b('v'), LONG)).rejects.toBeInstanceOf(RangeError);
        await expect(store.indexAdd('c', sid, Number.POSITIVE_INFINITY)).rejects.toBeInstanceOf(RangeError);
        expect(await store.get(sid)).toBeNull();
      });
    });
  });
}
