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
  /** Resolves once the I/O already received has been handled (default: the next check phase, setImmediate). */
  drainIo?: () => Promise<void>;
}

interface Ticket {
  generation: number;
  overtaken: boolean;
}

export type SessionReadCache = ReturnType<typeof createReadCache>;

/** Resolves after the event loop's next check phase: every socket already readable has been read by then. */
function nextCheckPhase(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function createReadCache({ maxEntries, read, events = {}, drainIo = nextCheckPhase }: ReadCacheOptions) {
  const entries = new LRUCache<string, CachedRecord>({ max: maxEntries });
  const inFlight = new Map<string, Set<Ticket>>();
  let active = false;
  // Grows on every flush: a read that started before one is never kept.
  let generation = 0;
  // One drain shared by every hit of one loop turn (see load()).
  let draining: Promise<void> | undefined;

  const drained = (): Promise<void> => {
    draining ??= drainIo().finally(() => (draining = undefined));
    return draining;
  };

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
      // Why a hit waits one turn: Redis writes an invalidation to our socket before the writer hears its
      // reply, so when a request caused by that write (a logout on another instance, then this request)
      // arrives, the invalidation is already readable here. Node may run this request first within the
      // same poll phase; after the check phase every readable socket has been read and its invalidations
      // applied, so the entry is still there only if Redis has not changed the key.
      await drained();
      if (active && entries.peek(sid) === cached) {
        events.hit?.();
        return cached;
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
