// SessionStore in process memory, for development and single-instance use: bounded, expiring, with the
// same semantics as the Redis adapter (the contract suite runs against both).
import { LRUCache } from 'lru-cache';
import { bytesArg, countArg, nameArg, timeArg, ttlArg, versionArg } from './args.js';
import { createKeyBuilder } from './keys.js';
import type { CasResult, SessionStore, StoredValue } from './store.js';
import { StoreUnavailableError } from './store.js';

export interface MemoryStoreOptions {
  /**
   * Upper bound on stored data, in items: a record, a side record and a member of a customer index count
   * one each. Least recently used keys go first; one customer's index keeps at most half of the bound
   * (the members closest to expiry go first). Default 100 000.
   */
  maxEntries?: number;
  /**
   * Upper bound on live locks and tombstones. They are kept apart from the data and never evicted (a
   * dropped tombstone or lock would let a write through that it exists to stop); when all are live,
   * taking one more fails with StoreUnavailableError until one expires. Default: maxEntries.
   */
  maxGuards?: number;
  /** Clock in epoch milliseconds (tests); default Date.now. It decides every expiry in this store. */
  now?: () => number;
  /** How often expired entries are purged eagerly; reads check expiry regardless. Default 60 s. */
  sweepIntervalMs?: number;
}

// Entries mirror the Redis layout key for key. Expiry is lru-cache's per-entry TTL on the injected clock
// (stale once now > start + ttl, like Redis). Values are copied on the way in and out, as a round trip
// through Redis would: a caller that changes or reuses a buffer must not change what is stored.
type SideRecord = { value: Buffer; expiresAt: number };
type Data =
  | { kind: 'record'; version: number; value: Buffer }
  | { kind: 'sides'; records: Map<string, SideRecord> }
  /** `top` bounds the highest score (the key's expiry), `soonest` the lowest, so adds need no scan. */
  | { kind: 'index'; members: Map<string, number>; top: number; soonest: number };
type Guard = { kind: 'tombstone' } | { kind: 'lock'; owner: string };

const copy = (bytes: Uint8Array): Buffer => Buffer.from(bytes);
const itemsOf = (entry: Data): number =>
  Math.max(1, entry.kind === 'index' ? entry.members.size : entry.kind === 'sides' ? entry.records.size : 1);

function checkBound(bound: number, what: string): void {
  if (!Number.isSafeInteger(bound) || bound < 1) throw new RangeError(`${what} must be a positive integer`);
}

export function createMemoryStore({
  maxEntries = 100_000,
  maxGuards = maxEntries,
  now = Date.now,
  sweepIntervalMs = 60_000,
}: MemoryStoreOptions = {}): SessionStore {
  checkBound(maxEntries, 'maxEntries');
  checkBound(maxGuards, 'maxGuards');
  // One customer's index may use at most half of the bound, so it can never push everything else out.
  const maxIndexMembers = Math.max(1, Math.floor(maxEntries / 2));
  const keys = createKeyBuilder('');
  // lru-cache reads a start time of 0 as "no TTL": count from just before the first reading instead.
  const origin = now() - 1;
  const clock = { now: () => now() - origin };
  // Bounded by maxSize (every entry counts at least one) rather than `max`, which would allocate arrays
  // for the whole bound up front, a tenth of a second per store at the default.
  const common = { ttlResolution: 0, perf: clock } as const;
  const data = new LRUCache<string, Data>({ ...common, maxSize: maxEntries, sizeCalculation: itemsOf });
  const guards = new LRUCache<string, Guard>({ ...common, maxSize: maxGuards, sizeCalculation: () => 1 });
  // Expired entries would otherwise sit in the LRU until evicted, pushing out live ones.
  const sweeper = setInterval(() => [data, guards].forEach((cache) => cache.purgeStale()), ttlArg(sweepIntervalMs, 'sweepIntervalMs'));
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

  function read<K extends Data['kind']>(key: string, kind: K): Extract<Data, { kind: K }> | undefined {
    const entry = data.get(key);
    return entry?.kind === kind ? (entry as Extract<Data, { kind: K }>) : undefined;
  }

  function readGuard<K extends Guard['kind']>(key: string, kind: K): Extract<Guard, { kind: K }> | undefined {
    const entry = guards.get(key);
    return entry?.kind === kind ? (entry as Extract<Guard, { kind: K }>) : undefined;
  }

  // Never evicts a live guard: refuses instead, before anything else of the call has changed.
  function checkGuardRoom(key: string): void {
    if (guards.has(key) || guards.size < maxGuards) return;
    guards.purgeStale();
    if (guards.size >= maxGuards) throw new StoreUnavailableError('session store is full (locks and tombstones)');
  }

  // Like Redis ZREMRANGEBYSCORE: drop members whose score has passed, in one pass (no spread of a huge
  // array into Math.max), then store the index again so its size is counted anew.
  function storeIndex(key: string, members: Map<string, number>, top: number, soonest: number): void {
    const at = now();
    if (soonest <= at || members.size > maxIndexMembers) {
      soonest = Number.POSITIVE_INFINITY;
      for (const [sid, score] of members) {
        if (score <= at) members.delete(sid);
        else soonest = Math.min(soonest, score);
      }
    }
    // Over its share of the bound: the sessions closest to their end go first.
    while (members.size > maxIndexMembers) {
      let first: [string, number] | undefined;
      for (const member of members) if (first === undefined || member[1] < first[1]) first = member;
      members.delete(first![0]);
      soonest = Number.NEGATIVE_INFINITY; // unknown now: the next call scans again
    }
    if (members.size === 0 || top <= at) data.delete(key);
    else data.set(key, { kind: 'index', members, top, soonest }, { ttl: top - at });
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
      if (read(record, 'record') || readGuard(keys.tombstone(sid), 'tombstone')) return false;
      data.set(record, { kind: 'record', version: 1, value: bytes }, { ttl });
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
      data.set(key, { kind: 'record', version: expected + 1, value: next }, { ttl });
      return 'ok';
    }),

    destroy: lift((sid, tombstoneMs) => {
      const record = keys.record(sid);
      const tombstone = keys.tombstone(sid);
      const ttl = ttlArg(tombstoneMs, 'tombstoneMs');
      checkGuardRoom(tombstone);
      const existed = read(record, 'record') !== undefined;
      data.delete(record);
      data.delete(keys.sides(sid));
      guards.set(tombstone, { kind: 'tombstone' }, { ttl });
      return existed;
    }),

    isTombstoned: lift((sid) => readGuard(keys.tombstone(sid), 'tombstone') !== undefined),

    acquireLock: lift((sid, owner, ttlMs) => {
      const key = keys.lock(sid);
      const who = nameArg(owner, 'owner');
      const ttl = ttlArg(ttlMs);
      if (readGuard(key, 'lock')) return false;
      checkGuardRoom(key);
      guards.set(key, { kind: 'lock', owner: who }, { ttl });
      return true;
    }),

    renewLock: lift((sid, owner, ttlMs) => {
      const key = keys.lock(sid);
      const who = nameArg(owner, 'owner');
      const ttl = ttlArg(ttlMs);
      if (readGuard(key, 'lock')?.owner !== who) return false;
      guards.set(key, { kind: 'lock', owner: who }, { ttl });
      return true;
    }),

    releaseLock: lift((sid, owner) => {
      const key = keys.lock(sid);
      if (readGuard(key, 'lock')?.owner === nameArg(owner, 'owner')) guards.delete(key);
    }),

    putSide: lift((sid, name, value, ttlMs) => {
      const key = keys.sides(sid);
      const field = nameArg(name, 'name');
      const bytes = copy(bytesArg(value, 'value'));
      const ttl = ttlArg(ttlMs);
      // After destroy a late writer must not bring side records back (same as the Redis script).
      if (readGuard(keys.tombstone(sid), 'tombstone')) return;
      const at = now();
      const records = read(key, 'sides')?.records ?? new Map<string, SideRecord>();
      for (const [n, r] of records) if (r.expiresAt <= at) records.delete(n);
      records.set(field, { value: bytes, expiresAt: at + ttl });
      // The hash lives as long as its longest-lived field, as in Redis.
      data.set(key, { kind: 'sides', records }, { ttl: Math.max(ttl, data.getRemainingTTL(key)) });
    }),

    getSide: lift((sid, name) => {
      const record = read(keys.sides(sid), 'sides')?.records.get(nameArg(name, 'name'));
      return record && record.expiresAt > now() ? copy(record.value) : null;
    }),

    indexAdd: lift((customerKey, sid, expiresAtMs) => {
      const key = keys.index(customerKey);
      const member = nameArg(sid, 'sid');
      const score = timeArg(expiresAtMs, 'expiresAtMs');
      const entry = read(key, 'index');
      const members = entry?.members ?? new Map<string, number>();
      members.set(member, score);
      storeIndex(key, members, Math.max(entry?.top ?? score, score), Math.min(entry?.soonest ?? score, score));
    }),

    indexRemove: lift((customerKey, sid) => {
      const key = keys.index(customerKey);
      const member = nameArg(sid, 'sid');
      const entry = read(key, 'index');
      if (!entry?.members.delete(member)) return;
      if (entry.members.size === 0) data.delete(key);
      // A new entry object, so lru-cache counts the smaller size; the key's expiry stays as it was.
      else data.set(key, { ...entry }, { noUpdateTTL: true });
    }),

    indexList: lift((customerKey) => {
      const key = keys.index(customerKey);
      const entry = read(key, 'index');
      if (!entry) return [];
      storeIndex(key, entry.members, entry.top, entry.soonest);
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
      data.clear();
      guards.clear();
      return Promise.resolve();
    },
  };
}
