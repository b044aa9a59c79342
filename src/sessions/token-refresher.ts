// Single-flight refresh. SCAYLE rotates refresh tokens, so two refreshes of one session would log the
// user out. Requests of one session in this process share one promise; across instances a Redis lock
// (owner value, renewed while the upstream call runs, compare-and-delete release) lets one instance
// call SCAYLE while the others wait and re-read the session the winner wrote.
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import type { VerifiedAccessToken } from '../tokens/access-token-verifier.js';
import type { CallContext, UpstreamTokens } from '../upstream/types.js';
import { fingerprint } from './session-id.js';
import type { SessionData } from './session-record.js';
import type { LoadedSession, SessionService } from './session-service.js';

export interface TokenRefresherOptions {
  sessions: SessionService;
  refresh: (refreshToken: string, ctx: CallContext) => Promise<UpstreamTokens>;
  verify: (accessToken: string) => Promise<VerifiedAccessToken>;
  /** Best-effort revocation of tokens minted for a session that was destroyed meanwhile. */
  revoke: (accessToken: string, jti: string, ctx: CallContext) => Promise<void>;
  /** Refresh when the access token has less than this left (bff-api.md: 30 s). */
  minRemainingMs?: number;
  lockTtlMs?: number;
  /** How long a request waits for another instance's refresh before giving up with 503. */
  waitMs?: number;
  pollMs?: number;
  events?: RefreshEvents;
}

/** Hooks for metrics and logs; never given tokens. */
export interface RefreshEvents {
  started?(): void;
  merged?(): void;
  failed?(reason: string): void;
  lockWait?(ms: number): void;
}

const RESULT_SIDE = 'refresh';

export function createTokenRefresher(options: TokenRefresherOptions) {
  const { sessions } = options;
  const minRemainingMs = options.minRemainingMs ?? 30_000;
  const lockTtlMs = options.lockTtlMs ?? 10_000;
  const waitMs = options.waitMs ?? 15_000;
  const pollMs = options.pollMs ?? 25;
  const events = options.events ?? {};
  const inFlight = new Map<string, Promise<LoadedSession>>();

  const isFresh = (data: SessionData): boolean => data.accessExpiresAt - sessions.now() >= minRemainingMs;
  // Someone else refreshed after `seen` was read: their tokens are the answer. isFresh alone cannot tell,
  // because when SCAYLE's access tokens live shorter than minRemainingMs even a brand-new one is "stale",
  // and every request that waited for another instance's lock would then refresh once more.
  const refreshedSince = (current: SessionData, seen: SessionData): boolean =>
    current.accessToken !== seen.accessToken && current.accessExpiresAt > sessions.now();
  const usable = (current: SessionData, seen: SessionData): boolean => isFresh(current) || refreshedSince(current, seen);

  /** The session with an access token that has at least `minRemainingMs` left. */
  async function ensureFresh(session: LoadedSession, ctx: CallContext): Promise<LoadedSession> {
    if (isFresh(session.data)) return session;
    const running = inFlight.get(session.sid);
    if (running) {
      events.merged?.();
      return running;
    }
    const promise = refreshUnderLock(session, ctx).finally(() => inFlight.delete(session.sid));
    inFlight.set(session.sid, promise);
    return promise;
  }

  async function refreshUnderLock(session: LoadedSession, ctx: CallContext): Promise<LoadedSession> {
    const owner = randomUUID();
    const started = Date.now();
    while (!(await sessions.store.acquireLock(session.sid, owner, lockTtlMs))) {
      // Another instance is refreshing: wait for the session it writes.
      await sleep(pollMs);
      const current = await reload(session.sid);
      if (usable(current.data, session.data)) {
        events.lockWait?.(Date.now() - started);
        events.merged?.();
        return current;
      }
      if (Date.now() - started > waitMs) {
        events.failed?.('lock_timeout');
        throw new AppError('UPSTREAM_TIMEOUT', {
          detail: 'Token refresh is taking too long; retry shortly',
          headers: { 'retry-after': '1' },
        });
      }
    }
    if (Date.now() - started > pollMs) events.lockWait?.(Date.now() - started);
    const renew = setInterval(
      () => {
        sessions.store.renewLock(session.sid, owner, lockTtlMs).catch(() => undefined);
      },
      Math.floor(lockTtlMs / 3),
    );
    renew.unref();
    try {
      // Re-read under the lock: another instance may have refreshed between our read and the lock.
      const current = await reload(session.sid);
      if (usable(current.data, session.data)) {
        events.merged?.();
        return current;
      }
      return await refreshNow(current, ctx);
    } finally {
      clearInterval(renew);
      await sessions.store.releaseLock(session.sid, owner).catch(() => undefined);
    }
  }

  async function refreshNow(session: LoadedSession, ctx: CallContext): Promise<LoadedSession> {
    events.started?.();
    const oldRefreshToken = session.data.refreshToken;
    let tokens: UpstreamTokens;
    try {
      tokens = await options.refresh(oldRefreshToken, ctx);
    } catch (error) {
      if (error instanceof AppError && error.code === 'SESSION_EXPIRED') return recoverFromRejection(session);
      events.failed?.(error instanceof AppError ? error.code.toLowerCase() : 'error');
      throw error;
    }
    const verified = await options.verify(tokens.accessToken);
    const update = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      jti: verified.jti,
      accessExpiresAt: verified.expiresAt,
    };
    // Kept briefly so a request that still holds the old refresh token is served, not logged out.
    await sessions.store.putSide(
      session.sid,
      `${RESULT_SIDE}:${fingerprint(oldRefreshToken)}`,
      sessions.seal(session.sid, JSON.stringify(update)),
      30_000,
    );
    return writeTokens(session, update, ctx);
  }

  /** Applies new tokens onto the newest version of the session (others may have slid it meanwhile). */
  async function writeTokens(session: LoadedSession, update: Partial<SessionData>, ctx: CallContext): Promise<LoadedSession> {
    let current = session;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const data = { ...current.data, ...update };
      const result = await sessions.save(current, data);
      if (result === 'ok') return { sid: current.sid, version: current.version + 1, data };
      if (result === 'missing') {
        // Logged out while we refreshed: the new tokens must not outlive the session.
        if (update.accessToken && update.jti) await options.revoke(update.accessToken, update.jti, ctx).catch(() => undefined);
        events.failed?.('session_gone');
        throw new AppError('SESSION_EXPIRED', { clearSession: true });
      }
      current = await reload(session.sid);
    }
    events.failed?.('write_conflict');
    throw new AppError('SESSION_STORE_UNAVAILABLE', { detail: 'Session is busy; retry shortly', headers: { 'retry-after': '1' } });
  }

  /** SCAYLE said no. Before ending the session, check whether someone else already refreshed it. */
  async function recoverFromRejection(session: LoadedSession): Promise<LoadedSession> {
    const current = await sessions.load(session.sid);
    if (current.state === 'live' && current.session.data.refreshToken !== session.data.refreshToken) return current.session;
    const side = await sessions.store.getSide(session.sid, `${RESULT_SIDE}:${fingerprint(session.data.refreshToken)}`);
    if (side !== null && current.state === 'live') {
      const update = JSON.parse(sessions.open(session.sid, side)) as Partial<SessionData>;
      return { ...current.session, data: { ...current.session.data, ...update } };
    }
    events.failed?.('rejected');
    await sessions.destroy(session.sid, session.data);
    throw new AppError('SESSION_EXPIRED', { clearSession: true, detail: 'The session can no longer be refreshed; log in again' });
  }

  async function reload(sid: string): Promise<LoadedSession> {
    const result = await sessions.load(sid);
    if (result.state !== 'live') throw new AppError('SESSION_EXPIRED', { clearSession: true });
    return result.session;
  }

  return { ensureFresh, isFresh };
}

export type TokenRefresher = ReturnType<typeof createTokenRefresher>;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
