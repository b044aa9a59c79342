// Bounded, expiring in-process SessionStore for development and single-instance use, with the same
// semantics as the Redis adapter (the contract suite runs against both).
import { LRUCache } from 'lru-cache';
import { bytesArg, countArg, nameArg, timeArg, ttlArg, versionArg } from './args.js';
import { createKeyBuilder } from './keys.js';
import type { CasResult, SessionStore, StoredValue } from './store.js';
import { StoreUnavailableError } from './store.js';

export interface MemoryStoreOptions {
  /** Upper bound on stored keys of all kinds; least recently used go first. Default 100 000. */
  maxEntries?: number;
  /** Clock in epoch milliseconds (tests); default Date.now. */
  now?: () => number;
  /** How often expired entries are dropped eagerly; reads check expiry regardless. Default 60 s. */
  sweepIntervalMs?: number;
}

// Entries mirror the Redis layout key for key. Expiry is ours (not lru-cache's TTL) so it follows the
// injected clock exactly and, like Redis, an entry is gone once now > expiresAt. Values are copied on the
// way in and out (`copy`), as a round trip through Redis would: a caller that changes or reuses a buffer
// must not change what is stored, here any more than there.
type Entry = { expiresAt: number } & (
  | { kind: 'record'; version: number; value: Buffer }
  | { kind: 'tombstone' }
  | { kind: 'lock'; owner: string }
  | { kind: 'sides'; records: Map<string, { value: Buffer; expiresAt: number }> }
  | { kind: 'index'; members: Map<string, number> }
);
type EntryOf<K extends Entry['kind']> = Extract<Entry, { kind: K }>;

const copy = (bytes: Uint8Array): Buffer => Buffer.from(bytes);

export function createMemoryStore({
  maxEntries = 100_000,
  now = Date.now,
  sweepIntervalMs = 60_000,
}: MemoryStoreOptions = {}): SessionStore {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  const keys = createKeyBuilder('');
  const cache = new LRUCache<string, Entry>({ max: maxEntries });
  const sweeper = setInterval(sweep, ttlArg(sweepIntervalMs, 'sweepIntervalMs'));
  sweeper.unref();
  let closed = false;

  // Sync bodies become promises; a closed store or a bad argument rejects instead of throwing.
  function lift<A extends unknown[], R>(body: (...args: A) => R): (...args: A) => Promise<R> {
    return (...args) =>
      new Promise<R>((resolve) => {
        if (closed) throw new StoreUnavailableError('session store is closed');
        resolve(body(...args));
      });
  }

  // Expired entries would otherwise sit in the LRU until evicted, pushing out live ones.
  function sweep(): void {
    const at = now();
    const stale: string[] = [];
    for (const [key, entry] of cache.entries()) if (entry.expiresAt < at) stale.push(key);
    for (const key of stale) cache.delete(key);
  }

  function read<K extends Entry['kind']>(key: string, kind: K): EntryOf<K> | undefined {
    const entry = cache.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt < now()) {
      cache.delete(key);
      return undefined;
    }
    return entry.kind === kind ? (entry as EntryOf<K>) : undefined;
  }

  // Like Redis ZADD/ZRANGE: prune, then drop the key when empty or give it the highest score as expiry.
  function storeIndex(key: string, members: Map<string, number>, cutoff: number): void {
    for (const [sid, score] of members) if (score <= cutoff) members.delete(sid);
    const expiresAt = Math.max(...members.values());
    if (members.size === 0 || expiresAt <= now()) cache.delete(key);
    else cache.set(key, { kind: 'index', members, expiresAt });
  }

  // issue 15: the live ids of an index in ZRANGE order (by score, ties by member), without pruning.
  function liveIndex(customerKey: string, cutoff: number): string[] {
    const entry = read(keys.index(customerKey), 'index');
    if (!entry) return [];
    return [...entry.members]
      .filter(([, score]) => score > cutoff)
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0))
      .map(([sid]) => sid);
  }

  return {
    create: lift((sid, value, ttlMs) => {
      const record = keys.record(sid);
      const bytes = copy(bytesArg(value, 'value'));
      const ttl = ttlArg(ttlMs);
      if (read(record, 'record') || read(keys.tombstone(sid), 'tombstone')) return false;
      cache.set(record, { kind: 'record', version: 1, value: bytes, expiresAt: now() + ttl });
      return true;
    }),

    get: lift((sid): StoredValue | null => {
      const entry = read(keys.record(sid), 'record');
      return entry ? { value: copy(entry.value), version: entry.version } : null;
    }),

    compareAndSet: lift((sid, expectedVersion, value, ttlMs): CasResult => {
      const key = keys.record(sid);
      const expected = versionArg(expectedVersion);
      const next = copy(bytesArg(value, 'value'));
      const ttl = ttlArg(ttlMs);
      const entry = read(key, 'record');
      if (!entry) return 'missing';
      if (entry.version !== expected) return 'conflict';
      cache.set(key, { kind: 'record', version: expected + 1, value: next, expiresAt: now() + ttl });
      return 'ok';
    }),

    destroy: lift((sid, tombstoneMs) => {
      const record = keys.record(sid);
      const ttl = ttlArg(tombstoneMs, 'tombstoneMs');
      const existed = read(record, 'record') !== undefined;
      cache.delete(record);
      cache.delete(keys.sides(sid));
      cache.set(keys.tombstone(sid), { kind: 'tombstone', expiresAt: now() + ttl });
      return existed;
    }),

    isTombstoned: lift((sid) => {
      return read(keys.tombstone(sid), 'tombstone') !== undefined;
    }),

    acquireLock: lift((sid, owner, ttlMs) => {
      const key = keys.lock(sid);
      const who = nameArg(owner, 'owner');
      const ttl = ttlArg(ttlMs);
      if (read(key, 'lock')) return false;
      cache.set(key, { kind: 'lock', owner: who, expiresAt: now() + ttl });
      return true;
    }),

    renewLock: lift((sid, owner, ttlMs) => {
      const key = keys.lock(sid);
      const who = nameArg(owner, 'owner');
      const ttl = ttlArg(ttlMs);
      if (read(key, 'lock')?.owner !== who) return false;
      cache.set(key, { kind: 'lock', owner: who, expiresAt: now() + ttl });
      return true;
    }),

    releaseLock: lift((sid, owner) => {
      const key = keys.lock(sid);
      if (read(key, 'lock')?.owner === nameArg(owner, 'owner')) cache.delete(key);
    }),

    putSide: lift((sid, name, value, ttlMs) => {
      const key = keys.sides(sid);
      const field = nameArg(name, 'name');
      const bytes = copy(bytesArg(value, 'value'));
      const ttl = ttlArg(ttlMs);
      // After destroy a late writer must not bring side records back (same as the Redis script).
      if (read(keys.tombstone(sid), 'tombstone')) return;
      const current = read(key, 'sides');
      const records = current?.records ?? new Map<string, { value: Buffer; expiresAt: number }>();
      const at = now();
      for (const [n, r] of records) if (r.expiresAt <= at) records.delete(n);
      records.set(field, { value: bytes, expiresAt: at + ttl });
      const expiresAt = Math.max(at + ttl, current?.expiresAt ?? 0);
      cache.set(key, { kind: 'sides', records, expiresAt });
    }),

    getSide: lift((sid, name) => {
      const record = read(keys.sides(sid), 'sides')?.records.get(nameArg(name, 'name'));
      return record && record.expiresAt > now() ? copy(record.value) : null;
    }),

    indexAdd: lift((customerKey, sid, expiresAtMs) => {
      const key = keys.index(customerKey);
      const member = nameArg(sid, 'sid');
      const score = timeArg(expiresAtMs, 'expiresAtMs');
      const members = read(key, 'index')?.members ?? new Map<string, number>();
      members.set(member, score);
      storeIndex(key, members, now());
    }),

    indexRemove: lift((customerKey, sid) => {
      const key = keys.index(customerKey);
      const member = nameArg(sid, 'sid');
      const entry = read(key, 'index');
      entry?.members.delete(member);
      if (entry?.members.size === 0) cache.delete(key);
    }),

    indexList: lift((customerKey, nowMs) => {
      const key = keys.index(customerKey);
      const cutoff = timeArg(nowMs, 'nowMs');
      const entry = read(key, 'index');
      if (!entry) return [];
      storeIndex(key, entry.members, cutoff);
      // Same order as ZRANGE: by score, ties by member.
      return [...entry.members].sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0)).map(([sid]) => sid);
    }),

    // --- issue 15: bounded index reads (read-only, like the Redis adapter's ZRANGEBYSCORE/ZCOUNT) ---
    indexPage: lift((customerKey, nowMs, offset, count) => {
      const live = liveIndex(customerKey, timeArg(nowMs, 'nowMs'));
      const start = countArg(offset, 'offset', 0);
      return live.slice(start, start + countArg(count, 'count', 1));
    }),

    indexSize: lift((customerKey, nowMs) => liveIndex(customerKey, timeArg(nowMs, 'nowMs')).length),
    // --- end issue 15 ---

    ping: lift(() => undefined),

    /** Idempotent; clears the sweep timer and all entries; later calls reject. */
    close() {
      closed = true;
      clearInterval(sweeper);
      cache.clear();
      return Promise.resolve();
    },
  };
}
