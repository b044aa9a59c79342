// issue 20: a bounded per-process cache of opened session records, in front of the Redis reads. It only
// keeps what Redis tracks for this process (tracking.ts switches it on and off and forwards invalidations)
// and never keeps a read that an invalidation or a flush overtook while it was in flight.
import { LRUCache } from 'lru-cache';
import type { SessionData } from '../session-record.js';
import type { StoredValue } from '../store.js';

/** What is cached: the record as the session service opened it (decrypted, validated, frozen). */
export interface CachedRecord {
  readonly version: number;
  readonly data: SessionData;
}

export interface ReadCacheEvents {
  hit(): void;
  miss(): void;
  invalidated(): void;
  flushed(): void;
}

export interface ReadCacheOptions {
  maxEntries: number;
  /**
   * Reads a record from Redis: `tracked` on the connection Redis tracks for this cache (a GET of the record
   * key), else the way it is read without a cache.
   */
  read: (sid: string, tracked: boolean) => Promise<StoredValue | null>;
  events?: Partial<ReadCacheEvents>;
  /**
   * Resolves once every invalidation of a write that Redis completed before the call has been applied
   * (tracking.ts: a PING on the invalidation connection, whose answer comes after them); rejects when that
   * cannot be known. A cache hit waits for it.
   */
  fence: () => Promise<void>;
}

interface Ticket {
  generation: number;
  overtaken: boolean;
}

export type SessionReadCache = ReturnType<typeof createReadCache>;

export function createReadCache({ maxEntries, read, events = {}, fence }: ReadCacheOptions) {
  const entries = new LRUCache<string, CachedRecord>({ max: maxEntries });
  const inFlight = new Map<string, Set<Ticket>>();
  let active = false;
  // Grows on every flush: a read that started before one is never kept.
  let generation = 0;
  function flush(): void {
    generation += 1;
    entries.clear();
    events.flushed?.();
  }

  /**
   * The record of `sid`, from memory or read through `read` and opened by `decode` (null: missing or
   * unreadable, never cached). Errors of `read` and `decode` reach the caller and nothing is kept.
   */
  async function load(sid: string, decode: (stored: StoredValue) => CachedRecord | null): Promise<CachedRecord | null> {
    const cached = active ? entries.get(sid) : undefined;
    if (cached !== undefined) {
      // Why a hit waits for the fence: Redis sends the invalidation of a write on another connection than
      // the writer's reply, and measured on this machine it arrived up to 7 ms after the writer had its
      // reply (3000 writes: 0.8 % later than the next loop turn). A request that follows a logout on another
      // instance can come sooner. The fence's PING is answered after every invalidation queued before it,
      // so once it is answered an entry is here only if Redis had not changed the key since it was read
      // (possibly by another request meanwhile, which is as fresh).
      let fenced = true;
      try {
        await fence();
      } catch {
        fenced = false; // not known to be current: read it from Redis
      }
      const current = fenced && active ? entries.peek(sid) : undefined;
      if (current !== undefined) {
        events.hit?.();
        return current;
      }
    }
    events.miss?.();
    const ticket: Ticket | undefined = active ? { generation, overtaken: false } : undefined;
    if (ticket) {
      const tickets = inFlight.get(sid) ?? new Set<Ticket>();
      tickets.add(ticket);
      inFlight.set(sid, tickets);
    }
    try {
      const stored = await read(sid, ticket !== undefined);
      const record = stored === null ? null : decode(stored);
      // Kept only if Redis tracked the read (active when it started, no flush since) and no invalidation
      // of the key arrived meanwhile: over RESP2 that can come before this reply, on the other connection.
      if (record !== null && ticket && !ticket.overtaken && ticket.generation === generation && active) entries.set(sid, record);
      return record;
    } finally {
      if (ticket) {
        const tickets = inFlight.get(sid);
        tickets?.delete(ticket);
        if (tickets?.size === 0) inFlight.delete(sid);
      }
    }
  }

  /** Redis (or this process, after its own write) says the record of `sid` changed. */
  function invalidate(sid: string): void {
    entries.delete(sid);
    for (const ticket of inFlight.get(sid) ?? []) ticket.overtaken = true;
  }

  return {
    load,
    /** This process wrote or deleted the record: drop it now rather than when Redis's message arrives. */
    forget: invalidate,
    /** An invalidation message for the record of `sid`. */
    invalidate(sid: string): void {
      events.invalidated?.();
      invalidate(sid);
    },
    /** Drops everything (Redis flushed, or a tracking connection closed) and overtakes every read in flight. */
    flush,
    /** Redis tracks reads from now on: reads that start now may be kept. */
    activate(): void {
      active = true;
    },
    /** Tracking is lost: flush, and read through until activate(). */
    deactivate(): void {
      // Reads can only be kept while active, so once inactive there is nothing left to flush.
      if (!active) return;
      active = false;
      flush();
    },
    get active(): boolean {
      return active;
    },
    get size(): number {
      return entries.size;
    },
  };
}
