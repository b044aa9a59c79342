// Sessions as the routes see them: create, load, save (version-checked), slide, destroy, list a
// customer's. Owns lifetimes and encryption; the store below it only keeps opaque sealed bytes.
import { LRUCache } from 'lru-cache';
import type { CachedRecord, SessionReadCache } from './cache/read-cache.js';
import type { SessionCrypto } from './session-crypto.js';
import { newSessionId } from './session-id.js';
import { parseSession, serialiseSession, sessionDeadline, type SessionData } from './session-record.js';
import type { CasResult, SessionStore, StoredValue } from './store.js';

export interface LoadedSession {
  sid: string;
  version: number;
  data: SessionData;
}

export type LoadResult =
  | { state: 'live'; session: LoadedSession }
  /** Existed, but its idle or absolute deadline passed: the caller should hear SESSION_EXPIRED. */
  | { state: 'expired' }
  | { state: 'missing' };

export type NewSessionInput = Omit<SessionData, 'createdAt' | 'lastSeenAt' | 'idleExpiresAt' | 'absoluteExpiresAt'>;

export interface SessionServiceOptions {
  store: SessionStore;
  crypto: SessionCrypto;
  idleTtlMs: number;
  absoluteTtlMs: number;
  now?: () => number;
  /** How long an expired record is kept so the caller can be told "expired" rather than "missing". */
  expiredGraceMs?: number;
  /** How long a destroyed session's tombstone blocks writes from requests still in flight. */
  tombstoneMs?: number;
  onUnreadableRecord?: (sid: string, error: unknown) => void;
  /** A session passed its deadline and this call removed its record (counted once, by whoever removed it). */
  onExpired?: () => void;
  /** issue 20: the per-process read cache kept coherent by Redis tracking (plugins/session-cache.ts). */
  cache?: Pick<SessionReadCache, 'load' | 'forget' | 'flush'> | undefined;
}

export type SessionService = ReturnType<typeof createSessionService>;

export function createSessionService(options: SessionServiceOptions) {
  const { store, crypto, idleTtlMs, absoluteTtlMs, cache } = options;
  const now = options.now ?? Date.now;
  const expiredGraceMs = options.expiredGraceMs ?? 10 * 60_000;
  const tombstoneMs = options.tombstoneMs ?? 2 * 60_000;
  // Sliding costs a store write; doing it at most every tenth of the idle window keeps reads cheap while
  // the deadline stays within 10% of exact, which also holds for lifetimes of a few seconds.
  const slideEveryMs = Math.min(60_000, Math.floor(idleTtlMs / 10));

  const ttlFor = (data: SessionData): number => Math.max(1, sessionDeadline(data) - now() + expiredGraceMs);
  const seal = (sid: string, data: SessionData): Buffer => crypto.seal('record', serialiseSession(data), sid);
  // Opening a record (AES-GCM, JSON, checks) is a visible share of a lookup (bench/RESULTS.md §8). Every write seals with
  // a fresh IV, so unchanged sealed bytes mean an unchanged record: reuse what they opened to. The store
  // is still read on every request, so a logout on another instance is seen at once. The store hands out
  // its own copy of the bytes on every read, so keeping that Buffer here aliases nothing.
  const opened = new LRUCache<string, { sealed: Buffer; data: SessionData }>({ max: 10_000 });
  const open = (sid: string, sealed: Buffer): SessionData => {
    // With the read cache, records are opened once per Redis read and kept there: no second copy here.
    if (cache) return Object.freeze(parseSession(crypto.open('record', sealed, sid)));
    const hit = opened.get(sid);
    if (hit?.sealed.equals(sealed)) return hit.data;
    // Frozen: the cached object is shared by every request of the session, so nobody may edit it in place.
    const data = Object.freeze(parseSession(crypto.open('record', sealed, sid)));
    opened.set(sid, { sealed, data });
    return data;
  };
  const customerKey = (data: SessionData): string | undefined => data.customerId;

  async function create(input: NewSessionInput): Promise<{ token: string; session: LoadedSession }> {
    const t = now();
    const data: SessionData = {
      ...input,
      createdAt: t,
      lastSeenAt: t,
      idleExpiresAt: t + idleTtlMs,
      absoluteExpiresAt: t + absoluteTtlMs,
    };
    const { token, sid } = newSessionId();
    // 256 random bits do not collide; a false here would mean a broken RNG, so fail loudly.
    if (!(await store.create(sid, seal(sid, data), ttlFor(data)))) throw new Error('session id collision');
    const key = customerKey(data);
    // Scored by the absolute deadline: sliding never outlives it, so the index needs no rewrite per slide.
    if (key !== undefined) await store.indexAdd(key, sid, data.absoluteExpiresAt);
    return { token, session: { sid, version: 1, data } };
  }

  /** The opened record, or null when it cannot be read (never cached). */
  const decode = (sid: string, stored: StoredValue): CachedRecord | null => {
    try {
      return { version: stored.version, data: open(sid, stored.value) };
    } catch (error) {
      // A key dropped from the ring too early, or tampering: the record is useless either way.
      options.onUnreadableRecord?.(sid, error);
      return null;
    }
  };

  async function load(sid: string): Promise<LoadResult> {
    const found = cache
      ? await cache.load(sid, (stored) => decode(sid, stored))
      : await store.get(sid).then((stored) => (stored ? decode(sid, stored) : null));
    if (!found) return { state: 'missing' };
    const { data, version } = found;
    if (sessionDeadline(data) <= now()) {
      if (await destroy(sid, data)) options.onExpired?.();
      return { state: 'expired' };
    }
    return { state: 'live', session: { sid, version, data } };
  }

  /** Version-checked write; never recreates a destroyed session. */
  async function save(session: LoadedSession, data: SessionData): Promise<CasResult> {
    try {
      return await store.compareAndSet(session.sid, session.version, seal(session.sid, data), ttlFor(data));
    } finally {
      // Whatever the outcome (even a timeout that may have written), the next read goes to Redis; Redis's
      // own invalidation message arrives too, later.
      cache?.forget(session.sid);
    }
  }

  /**
   * Counts a request as activity. Undefined when the idle deadline is not due to slide (nearly every
   * request: the caller need not await anything, issue 20); else resolves to the session with its deadline
   * moved (the caller renews the cookie), or undefined when nothing was written.
   */
  function touch(session: LoadedSession): Promise<LoadedSession | undefined> | undefined {
    const t = now();
    if (t - session.data.lastSeenAt < slideEveryMs) return undefined;
    return slide(session, t);
  }

  async function slide(session: LoadedSession, t: number): Promise<LoadedSession | undefined> {
    const data: SessionData = { ...session.data, lastSeenAt: t, idleExpiresAt: t + idleTtlMs };
    // A conflict means another request wrote meanwhile (it slid too, or refreshed): nothing to do.
    if ((await save(session, data)) !== 'ok') return undefined;
    return { sid: session.sid, version: session.version + 1, data };
  }

  /** Resolves true if this call removed the record (false: it was already gone). */
  async function destroy(sid: string, data?: SessionData): Promise<boolean> {
    opened.delete(sid);
    let deleted: boolean;
    try {
      deleted = await store.destroy(sid, tombstoneMs);
    } finally {
      cache?.forget(sid);
    }
    const key = data === undefined ? undefined : customerKey(data);
    if (key !== undefined) await store.indexRemove(key, sid);
    return deleted;
  }

  /** The customer's live sessions; the index is pruned of sessions that are gone. */
  async function listForCustomer(customerId: string): Promise<LoadedSession[]> {
    const sids = await store.indexList(customerId);
    const results = await Promise.all(sids.map(async (sid) => ({ sid, result: await load(sid) })));
    const live: LoadedSession[] = [];
    for (const { sid, result } of results) {
      if (result.state === 'live' && result.session.data.customerId === customerId) live.push(result.session);
      else if (result.state === 'missing') await store.indexRemove(customerId, sid);
    }
    return live;
  }

  return {
    create,
    load,
    save,
    touch,
    destroy,
    listForCustomer,
    /** Seals a side record (e.g. token-refresher's refresh result) under the session id; never opens as a record. */
    seal: (sid: string, plaintext: string): Buffer => crypto.seal('side', plaintext, sid),
    open: (sid: string, sealed: Uint8Array): string => crypto.open('side', sealed, sid),
    /** issue 18 part 4: the key ring changed (a reload): a record under a dropped key must not open from memory. */
    forgetOpened: (): void => {
      opened.clear();
      cache?.flush(); // issue 20: the read cache holds opened records too
    },
    store,
    now,
  };
}
