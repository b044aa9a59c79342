// The new token pair of a refresh, kept from the moment SCAYLE returns it until it is in the session record.
// SCAYLE rotates refresh tokens, so once the refresh call returns, the record's own refresh token is spent:
// losing the pair (JWKS down, a store write failing) would log the customer out. The pair is held in this
// process and written as a sealed side record named after the spent token, so a later request, here or on
// another instance, finishes the job from it instead of presenting the spent token again.
import { LRUCache } from 'lru-cache';
import { fingerprint } from './session-id.js';
import { sessionDeadline } from './session-record.js';
import type { LoadedSession, SessionService } from './session-service.js';

/** A pair SCAYLE returned that is not yet verified and written into the session. */
export interface PendingTokens {
  accessToken: string;
  refreshToken: string;
  /** ms since epoch, from `expires_in` when the pair arrived (unverified). */
  expiresAt: number;
}

interface Held {
  name: string;
  sealed: Buffer;
  /** False while the side-record write has not succeeded: only this process has the pair. */
  persisted: boolean;
}

/** How long a settled pair stays readable, for a request that still presents the spent token. */
const SETTLED_TTL_MS = 30_000;
/** A pair the store could not take is held here this long (the store outage it bridges is shorter). */
const HELD_TTL_MS = 15 * 60_000;

/** The side record of a session's pending pair, named after the refresh token it replaces. */
export function pendingName(spentRefreshToken: string): string {
  return `pair:${fingerprint(spentRefreshToken)}`;
}

export function createPendingTokens(sessions: SessionService) {
  const held = new LRUCache<string, Held>({ max: 10_000, ttl: HELD_TTL_MS });
  // As long as the session would live unused: a pending pair must outlive any JWKS outage the session
  // survives. Each later attempt writes it again, so it follows the sliding idle deadline.
  const ttlFor = (session: LoadedSession): number => Math.max(SETTLED_TTL_MS, sessionDeadline(session.data) - sessions.now());

  /**
   * Holds `pair` in this process, then writes it as a side record. A failed write is not fatal: the pair
   * stays held and the next request on this instance writes it again. Returns whether the write succeeded.
   */
  async function keep(session: LoadedSession, pair: PendingTokens): Promise<boolean> {
    const entry: Held = { name: pendingName(session.data.refreshToken), sealed: seal(session.sid, pair), persisted: false };
    held.set(session.sid, entry);
    entry.persisted = await write(session, entry, ttlFor(session));
    return entry.persisted;
  }

  /** The pair pending for the session's current refresh token, if a refresh got that far. */
  async function find(session: LoadedSession): Promise<PendingTokens | undefined> {
    const name = pendingName(session.data.refreshToken);
    let entry = held.get(session.sid);
    if (entry?.name !== name) entry = undefined;
    // The store's copy wins once it has one: another instance may have moved the pair on since.
    if (entry === undefined || entry.persisted) {
      const stored = await sessions.store.getSide(session.sid, name);
      if (stored !== null) {
        entry = { name, sealed: stored, persisted: true };
        held.set(session.sid, entry);
      }
    }
    if (entry === undefined) return undefined;
    // Written again: for the first time if the store could not take it before, else to follow the slide.
    entry.persisted = (await write(session, entry, ttlFor(session))) || entry.persisted;
    return unseal(session.sid, entry.sealed);
  }

  /** The pair is in the record now: forget it here and let the side record expire soon. */
  async function settle(session: LoadedSession, spentRefreshToken: string): Promise<void> {
    const entry = held.get(session.sid);
    held.delete(session.sid);
    if (entry !== undefined && entry.name === pendingName(spentRefreshToken)) await write(session, entry, SETTLED_TTL_MS);
  }

  /** The session is gone: nothing will finish the pair. */
  function drop(sid: string): void {
    held.delete(sid);
  }

  async function write(session: LoadedSession, entry: Held, ttlMs: number): Promise<boolean> {
    try {
      await sessions.store.putSide(session.sid, entry.name, entry.sealed, ttlMs);
      return true;
    } catch {
      return false;
    }
  }

  function seal(sid: string, pair: PendingTokens): Buffer {
    return sessions.seal(sid, JSON.stringify({ a: pair.accessToken, r: pair.refreshToken, e: pair.expiresAt }));
  }

  /** Undefined for a side record that does not open or has the wrong shape (it cannot be finished). */
  function unseal(sid: string, sealed: Uint8Array): PendingTokens | undefined {
    try {
      const raw = JSON.parse(sessions.open(sid, sealed)) as { a?: unknown; r?: unknown; e?: unknown } | null;
      if (typeof raw?.a !== 'string' || typeof raw.r !== 'string' || typeof raw.e !== 'number') return undefined;
      return { accessToken: raw.a, refreshToken: raw.r, expiresAt: raw.e };
    } catch {
      return undefined;
    }
  }

  return { keep, find, settle, drop };
}

export type PendingTokenStore = ReturnType<typeof createPendingTokens>;
