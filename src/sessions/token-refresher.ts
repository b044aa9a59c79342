// Single-flight refresh. SCAYLE rotates refresh tokens, so two refreshes of one session would log the
// user out. Requests of one session in this process share one promise; across instances a Redis lock
// (owner value, renewed while the upstream call runs, compare-and-delete release) lets one instance
// call SCAYLE while the others wait and re-read the session the winner wrote. The new pair is kept
// (pending-tokens.ts) before anything that can fail, so a failed verification or write is finished
// later from the kept pair instead of presenting the spent refresh token again.
import { AppError } from '../errors.js';
import type { VerifiedAccessToken } from '../tokens/access-token-verifier.js';
import type { CallContext, UpstreamTokens } from '../upstream/types.js';
import { createPendingTokens, type PendingTokens } from './pending-tokens.js';
import { refreshFailureReason, type RefreshFailureReason } from './refresh-failure-reason.js';
import { withRefreshLock } from './refresh-lock.js';
import type { SessionData } from './session-record.js';
import type { LoadedSession, SessionService } from './session-service.js';

export interface TokenRefresherOptions {
  sessions: SessionService;
  refresh: (refreshToken: string, ctx: CallContext) => Promise<UpstreamTokens>;
  verify: (accessToken: string) => Promise<VerifiedAccessToken>;
  /** Best-effort revocation of tokens minted for a session that was destroyed meanwhile, or never used. */
  revoke: (accessToken: string, jti: string, ctx: CallContext) => Promise<void>;
  /** Refresh when the access token has less than this left (bff-api.md: 30 s). */
  minRemainingMs?: number;
  lockTtlMs?: number;
  /** How long a request waits for another instance's refresh before giving up. */
  waitMs?: number;
  pollMs?: number;
  events?: RefreshEvents;
}

/** Hooks for metrics and logs; never given tokens. */
export interface RefreshEvents {
  started?(): void;
  merged?(): void;
  /** A pair kept by an earlier, failed attempt was finished without calling SCAYLE again. */
  resumed?(): void;
  failed?(reason: RefreshFailureReason): void;
  lockWait?(ms: number): void;
}

/** Conflicting writes in a row before a refresh gives up (the pair stays pending). */
const WRITE_ATTEMPTS = 5;

export function createTokenRefresher(options: TokenRefresherOptions) {
  const { sessions } = options;
  const minRemainingMs = options.minRemainingMs ?? 30_000;
  const lockTtlMs = options.lockTtlMs ?? 10_000;
  const waitMs = options.waitMs ?? 15_000;
  const pollMs = options.pollMs ?? 25;
  const events = options.events ?? {};
  const inFlight = new Map<string, Promise<LoadedSession>>();
  const pending = createPendingTokens(sessions);
  // Failures whose metric reason is known where they are raised; the rest are classified by type.
  const reasons = new WeakMap<object, RefreshFailureReason>();
  const tagged = (error: unknown, reason: RefreshFailureReason): unknown => {
    if (typeof error === 'object' && error !== null && !reasons.has(error)) reasons.set(error, reason);
    return error;
  };

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
    const promise = refreshUnderLock(session, ctx)
      .catch((error: unknown) => {
        events.failed?.((typeof error === 'object' && error !== null && reasons.get(error)) || refreshFailureReason(error));
        throw error;
      })
      .finally(() => inFlight.delete(session.sid));
    inFlight.set(session.sid, promise);
    return promise;
  }

  async function refreshUnderLock(session: LoadedSession, ctx: CallContext): Promise<LoadedSession> {
    // Another instance's refresh shows up as a usable session: its tokens are the answer.
    const settled = async (): Promise<LoadedSession | undefined> => {
      const current = await reload(session.sid);
      if (!usable(current.data, session.data)) return undefined;
      events.merged?.();
      return current;
    };
    const lock = {
      lockTtlMs,
      waitMs,
      pollMs,
      // Not SCAYLE's fault: another refresh of this session holds the lock (metric: lock_contention).
      onTimeout: () =>
        tagged(
          new AppError('UPSTREAM_TIMEOUT', { detail: 'Another refresh of this session is still running; retry shortly', headers: RETRY }),
          'lock_contention',
        ),
      onWait: (ms: number) => events.lockWait?.(ms),
    };
    // Re-read under the lock: another instance may have refreshed between our read and the lock.
    return withRefreshLock(sessions.store, session.sid, lock, settled, async () => {
      const current = await reload(session.sid);
      if (usable(current.data, session.data)) {
        events.merged?.();
        return current;
      }
      return refreshNow(current, ctx);
    });
  }

  async function refreshNow(session: LoadedSession, ctx: CallContext): Promise<LoadedSession> {
    const kept = await pending.find(session);
    if (kept) {
      events.resumed?.();
      return finish(session, kept, ctx);
    }
    let pair: PendingTokens;
    try {
      pair = await obtain(session, session.data.refreshToken, ctx);
    } catch (error) {
      if (isRejection(error)) return recoverFromRejection(session, ctx);
      throw error;
    }
    return finish(session, pair, ctx);
  }

  /** Calls SCAYLE's refresh and keeps the new pair before anything else can fail. */
  async function obtain(session: LoadedSession, refreshToken: string, ctx: CallContext): Promise<PendingTokens> {
    events.started?.();
    let tokens: UpstreamTokens;
    try {
      tokens = await options.refresh(refreshToken, ctx);
    } catch (error) {
      throw isRejection(error) ? error : tagged(error, refreshFailureReason(error));
    }
    const pair = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: sessions.now() + tokens.expiresIn * 1000,
    };
    await pending.keep(session, pair);
    return pair;
  }

  /** Verifies the kept pair and writes it into the session; any failure leaves it kept for the next request. */
  async function finish(session: LoadedSession, kept: PendingTokens, ctx: CallContext): Promise<LoadedSession> {
    let pair = kept;
    if (pair.expiresAt <= sessions.now()) {
      // It waited too long (e.g. a JWKS outage): its access token is useless, its refresh token is not.
      try {
        pair = await obtain(session, pair.refreshToken, ctx);
      } catch (error) {
        if (isRejection(error)) return endSession(session);
        throw error;
      }
    }
    let verified: VerifiedAccessToken;
    try {
      verified = await options.verify(pair.accessToken);
    } catch (error) {
      throw tagged(error, refreshFailureReason(error, 'verify'));
    }
    const update = {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      jti: verified.jti,
      accessExpiresAt: verified.expiresAt,
    };
    const written = await writeTokens(session, update, ctx);
    await pending.settle(session, session.data.refreshToken);
    return written;
  }

  /** Applies new tokens onto the newest version of the session (others may have slid it meanwhile). */
  async function writeTokens(session: LoadedSession, update: Partial<SessionData>, ctx: CallContext): Promise<LoadedSession> {
    let current = session;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const data = { ...current.data, ...update };
      const result = await sessions.save(current, data);
      if (result === 'ok') return { sid: current.sid, version: current.version + 1, data };
      const latest = result === 'missing' ? undefined : await sessions.load(session.sid);
      if (latest?.state !== 'live') {
        // Logged out while we refreshed: the new tokens must not outlive the session.
        await discard(session.sid, update, ctx);
        throw tagged(new AppError('SESSION_EXPIRED', { clearSession: true }), 'session_gone');
      }
      const theirs = latest.session.data.refreshToken;
      if (theirs !== session.data.refreshToken) {
        // Someone whose lock outlived ours wrote first: this very pair (finished from the side record), or
        // another one, in which case ours will never be used.
        if (theirs !== update.refreshToken) await discard(session.sid, update, ctx);
        return latest.session;
      }
      current = latest.session;
    }
    // The pair stays pending; the next request finishes it (metric: store_contention, not a store outage).
    throw tagged(
      new AppError('SESSION_STORE_UNAVAILABLE', { detail: 'Session is busy; retry shortly', headers: RETRY }),
      'store_contention',
    );
  }

  async function discard(sid: string, update: Partial<SessionData>, ctx: CallContext): Promise<void> {
    pending.drop(sid);
    if (update.accessToken && update.jti) await options.revoke(update.accessToken, update.jti, ctx).catch(() => undefined);
  }

  /** SCAYLE said no. Before ending the session, check whether someone else already refreshed it. */
  async function recoverFromRejection(session: LoadedSession, ctx: CallContext): Promise<LoadedSession> {
    const current = await sessions.load(session.sid);
    if (current.state === 'live') {
      if (current.session.data.refreshToken !== session.data.refreshToken) return current.session;
      const kept = await pending.find(current.session);
      if (kept) return finish(current.session, kept, ctx);
    }
    return endSession(session);
  }

  async function endSession(session: LoadedSession): Promise<never> {
    pending.drop(session.sid);
    await sessions.destroy(session.sid, session.data);
    throw tagged(
      new AppError('SESSION_EXPIRED', { clearSession: true, detail: 'The session can no longer be refreshed; log in again' }),
      'rejected',
    );
  }

  async function reload(sid: string): Promise<LoadedSession> {
    const result = await sessions.load(sid);
    if (result.state !== 'live') throw tagged(new AppError('SESSION_EXPIRED', { clearSession: true }), 'session_gone');
    return result.session;
  }

  return { ensureFresh, isFresh };
}

export type TokenRefresher = ReturnType<typeof createTokenRefresher>;

const RETRY = { 'retry-after': '1' };

/** SCAYLE rejected the refresh token (mapped to SESSION_EXPIRED by upstream/failures.ts). */
function isRejection(error: unknown): boolean {
  return error instanceof AppError && error.code === 'SESSION_EXPIRED';
}
