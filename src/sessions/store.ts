// The session store contract: a small key-value store with versioned compare-and-set, tombstones,
// per-session locks, short-lived side records and a per-customer index. It stores opaque bytes (record
// and side-record values are Buffers; the session service above it serialises and encrypts). Values are
// copied in and out: a caller may reuse or change a buffer after a call without touching what is stored.
// Two adapters implement it (memory-store.ts, redis-store.ts) and one contract suite (test/contract) runs
// against both.
//
// Every key that belongs to one session (record, tombstone, lock, side records) is derived from the
// same `sid` (already a hash of the cookie value, never the cookie value itself), so the Redis adapter
// can put them in one hash slot. The customer index lives apart and is only eventually consistent.

export interface StoredValue {
  value: Buffer;
  /** Monotonic version, starts at 1 on create and grows by one on each successful compareAndSet. */
  version: number;
}

export type CasResult = 'ok' | 'conflict' | 'missing';

export interface SessionStore {
  /** Store a new record. False if a record or tombstone exists for `sid` (nothing written). */
  create(sid: string, value: Uint8Array, ttlMs: number): Promise<boolean>;
  get(sid: string): Promise<StoredValue | null>;
  /**
   * Replace the record only if it still exists and is at `expectedVersion`; never recreates a destroyed
   * one. The TTL is reset to `ttlMs`.
   */
  compareAndSet(sid: string, expectedVersion: number, value: Uint8Array, ttlMs: number): Promise<CasResult>;
  /**
   * Delete the record and its side records and leave a tombstone for `tombstoneMs`, so an in-flight
   * request cannot write the session back. Idempotent. True if a record was deleted.
   */
  destroy(sid: string, tombstoneMs: number): Promise<boolean>;
  isTombstoned(sid: string): Promise<boolean>;

  /** `SET NX PX`: true if `owner` now holds the lock. */
  acquireLock(sid: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extend the lock if `owner` still holds it. */
  renewLock(sid: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Compare-and-delete: releases only a lock that `owner` holds. */
  releaseLock(sid: string, owner: string): Promise<void>;

  /** A short-lived side record of one session (e.g. the result of the last refresh). */
  putSide(sid: string, name: string, value: Uint8Array, ttlMs: number): Promise<void>;
  getSide(sid: string, name: string): Promise<Buffer | null>;

  /**
   * Per-customer index of session ids, scored by expiry. Entries whose score has passed by the store's
   * own clock (Redis TIME, or the memory adapter's clock) are pruned on add and on read: one clock decides
   * every expiry inside the store.
   */
  indexAdd(customerKey: string, sid: string, expiresAtMs: number): Promise<void>;
  indexRemove(customerKey: string, sid: string): Promise<void>;
  /** The live ids by ascending expiry (ties by id). */
  indexList(customerKey: string): Promise<string[]>;

  // --- issue 15: bounded reads of the customer index (session-ending.ts pages through it) ---
  /**
   * Up to `count` live (score > nowMs) session ids from position `offset`, by ascending expiry (oldest
   * session first, since every session's score is its creation time plus one fixed lifetime). Read-only.
   */
  indexPage(customerKey: string, nowMs: number, offset: number, count: number): Promise<string[]>;
  /** How many live (score > nowMs) ids the index holds. Read-only. */
  indexSize(customerKey: string, nowMs: number): Promise<number>;
  // --- end issue 15 ---

  /** Cheap reachability probe for readiness. Throws when the store cannot answer. */
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

/**
 * Thrown by an adapter when the backing store cannot answer (connection down, timeout). Routes map it
 * to 503 SESSION_STORE_UNAVAILABLE; it must never be read as "no session".
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
