// Ending sessions in bulk: every session of a customer (password reset, ops), all but the current one
// (password change, "log out my other devices") and the oldest beyond SESSIONS_PER_CUSTOMER_MAX. The
// per-customer index is read in pages and upstream revocations run with bounded concurrency, so the work
// per call is bounded whatever the index holds. Routes, the password flows and the CLI share this module.
import { mapBounded } from './bounded.js';
import type { LoadedSession, SessionService } from './session-service.js';
import type { RevokeSession } from './upstream-revocation.js';
import type { CallContext } from '../upstream/types.js';

/** The `reason` label of `sessions_ended_total`. */
export type EndReason = 'logout' | 'user' | 'password' | 'limit' | 'ops';

export interface SessionEndingOptions {
  sessions: Pick<SessionService, 'load' | 'destroy' | 'now' | 'store'>;
  /** Upstream revocation of one session's tokens; unset: local ending only. */
  revoke?: RevokeSession;
  onEnded?: (reason: EndReason, count: number) => void;
  /** A revocation failed; the session is gone locally either way. Told nothing secret. */
  onRevokeFailed?: (error: unknown) => void;
  /** Index entries read per page. Default 50. */
  pageSize?: number;
  /** Store loads and upstream revocations in flight at once. Default 8. */
  concurrency?: number;
  /** Safety bound on the entries one bulk call visits. Default 10 000. */
  maxVisited?: number;
}

export interface EndCustomerOptions {
  reason: EndReason;
  ctx: CallContext;
  /** A session to leave alive (the caller's own). */
  keepSid?: string;
  /** Only sessions created before this instant (ms) end: those started with a new password stay. */
  createdBefore?: number;
  /** Revoke the ended sessions' tokens upstream (skip when SCAYLE has already revoked them). Default true. */
  revoke?: boolean;
}

export type SessionEnding = ReturnType<typeof createSessionEnding>;

export function createSessionEnding(options: SessionEndingOptions) {
  const { sessions } = options;
  const { store } = sessions;
  const pageSize = options.pageSize ?? 50;
  const concurrency = options.concurrency ?? 8;
  const maxVisited = options.maxVisited ?? 10_000;

  async function revokeAll(ended: readonly LoadedSession[], ctx: CallContext): Promise<void> {
    const { revoke } = options;
    if (revoke === undefined) return;
    await mapBounded(ended, concurrency, (s) => revoke(s.data, ctx).catch((error: unknown) => options.onRevokeFailed?.(error)));
  }

  /** Local first (no request can use the session once this returns), then SCAYLE, best effort. */
  async function endSessions(ended: readonly LoadedSession[], reason: EndReason, ctx: CallContext, revoke = true): Promise<number> {
    await mapBounded(ended, concurrency, (s) => sessions.destroy(s.sid, s.data));
    if (ended.length > 0) options.onEnded?.(reason, ended.length);
    if (revoke) await revokeAll(ended, ctx);
    return ended.length;
  }

  /**
   * The live sessions behind index ids; stale ids are dropped from the index. `ending`: a record that
   * reads as missing but may still exist (unreadable with this instance's keys) is destroyed as well.
   */
  async function loadPage(customerId: string, sids: readonly string[], ending = false): Promise<LoadedSession[]> {
    const loaded = await mapBounded(sids, concurrency, async (sid) => {
      const result = await sessions.load(sid);
      if (result.state === 'live' && result.session.data.customerId === customerId) return result.session;
      // An expired record was destroyed (and unindexed) by load; a missing one still needs unindexing.
      if (result.state === 'missing' && ending) await sessions.destroy(sid);
      if (result.state !== 'expired') await store.indexRemove(customerId, sid);
      return undefined;
    });
    return loaded.filter((s): s is LoadedSession => s !== undefined);
  }

  /**
   * Ends the customer's sessions (all, or all but `keepSid`), page by page: an ended session leaves the
   * index, so the next page starts after the ones kept. Returns how many ended.
   */
  async function endCustomer(customerId: string, o: EndCustomerOptions): Promise<number> {
    let offset = 0;
    let ended = 0;
    for (let visited = 0; visited < maxVisited;) {
      const sids = await store.indexPage(customerId, sessions.now(), offset, pageSize);
      visited += sids.length;
      const live = await loadPage(customerId, sids, true);
      const doomed = live.filter((s) => s.sid !== o.keepSid && (o.createdBefore === undefined || s.data.createdAt < o.createdBefore));
      ended += await endSessions(doomed, o.reason, o.ctx, o.revoke ?? true);
      offset += live.length - doomed.length;
      if (sids.length < pageSize) break;
    }
    return ended;
  }

  /** Up to `limit` of the customer's live sessions, oldest first, read in pages. */
  async function listCustomer(customerId: string, limit: number): Promise<LoadedSession[]> {
    const out: LoadedSession[] = [];
    let offset = 0;
    for (let visited = 0; out.length < limit && visited < maxVisited;) {
      const want = Math.min(pageSize, limit - out.length);
      const sids = await store.indexPage(customerId, sessions.now(), offset, want);
      visited += sids.length;
      const live = await loadPage(customerId, sids);
      out.push(...live);
      // Stale ids left the index, so only the live ones shift the next page.
      offset += live.length;
      if (sids.length < want) break;
    }
    return out;
  }

  /**
   * Ends the oldest of the customer's sessions while more than `max` are live (never `keepSid`, the one
   * just created). Returns how many ended.
   */
  async function enforceLimit(customerId: string, max: number, keepSid: string, ctx: CallContext): Promise<number> {
    let ended = 0;
    // A few rounds: stale index ids count toward the size until the first page drops them.
    for (let round = 0; round < 3; round += 1) {
      const excess = (await store.indexSize(customerId, sessions.now())) - max;
      if (excess <= 0) break;
      const sids = await store.indexPage(customerId, sessions.now(), 0, Math.min(excess + 1, maxVisited));
      const live = await loadPage(customerId, sids);
      const oldest = live.filter((s) => s.sid !== keepSid).slice(0, excess);
      ended += await endSessions(oldest, 'limit', ctx);
    }
    return ended;
  }

  return { endSessions, endCustomer, listCustomer, enforceLimit };
}
