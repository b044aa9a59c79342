// A rig for the token refresher: a strict-rotation fake of SCAYLE, the memory store with failures to
// inject per operation, the real session service on an injected clock, and refresher "instances" that
// share them (as instances of the service share Redis).
import { expect } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createMemoryStore } from '../../src/sessions/memory-store.js';
import type { RefreshFailureReason } from '../../src/sessions/refresh-failure-reason.js';
import { createSessionCrypto } from '../../src/sessions/session-crypto.js';
import { createSessionService, type LoadedSession } from '../../src/sessions/session-service.js';
import { StoreUnavailableError, type CasResult, type SessionStore } from '../../src/sessions/store.js';
import { createTokenRefresher, type TokenRefresher, type TokenRefresherOptions } from '../../src/sessions/token-refresher.js';
import type { UpstreamTokens } from '../../src/upstream/types.js';

export const ACCESS_TTL_S = 300;
export const ctx = { requestId: 'req-1' };

/** SCAYLE with strict rotation: each refresh token works once. Tokens are at-N / rt-N, jti jti-at-N. */
function fakeScayle(now: () => number) {
  let serial = 0;
  const live = new Set<string>();
  const scayle = {
    refreshCalls: 0,
    /** Refresh tokens presented after they were spent. */
    reused: 0,
    revoked: [] as string[],
    issue(): UpstreamTokens {
      serial += 1;
      live.add(`rt-${serial}`);
      return { accessToken: `at-${serial}`, refreshToken: `rt-${serial}`, expiresIn: ACCESS_TTL_S };
    },
    async refresh(refreshToken: string): Promise<UpstreamTokens> {
      scayle.refreshCalls += 1;
      if (!live.delete(refreshToken)) {
        scayle.reused += 1;
        throw new AppError('SESSION_EXPIRED');
      }
      return scayle.issue();
    },
    /** What verify says about a token; tests replace it to inject a JWKS failure. */
    verify: async (token: string) => ({ jti: `jti-${token}`, expiresAt: now() + ACCESS_TTL_S * 1000 }),
  };
  return scayle;
}

type Op = 'putSide' | 'compareAndSet' | 'releaseLock';
type Fail = () => Promise<never> | Promise<CasResult>;

/** The memory store with failures to inject per operation: an error to throw, or a CAS result to return. */
function faultyStore(inner: SessionStore) {
  const faults = new Map<Op, { times: number; fail: Fail }>();
  /** The injected failure of `op`, if one is armed (and uses it up). */
  const take = (op: Op): Fail | undefined => {
    const fault = faults.get(op);
    if (!fault || fault.times === 0) return undefined;
    fault.times -= 1;
    return fault.fail;
  };
  const store: SessionStore = {
    ...inner,
    putSide: (sid, name, value, ttlMs) => (take('putSide')?.() as Promise<void> | undefined) ?? inner.putSide(sid, name, value, ttlMs),
    compareAndSet: (sid, version, value, ttlMs) => take('compareAndSet')?.() ?? inner.compareAndSet(sid, version, value, ttlMs),
    releaseLock: (sid, owner) => (take('releaseLock')?.() as Promise<void> | undefined) ?? inner.releaseLock(sid, owner),
  };
  const down = () => Promise.reject(new StoreUnavailableError('store down (test)'));
  return {
    store,
    /** The next `times` calls of `op` fail (default: the store is unreachable). */
    fail(op: Op, times = 1, fail: Fail = down) {
      faults.set(op, { times, fail });
    },
  };
}

export function createRefreshRig() {
  const rig = {
    clock: Date.UTC(2026, 0, 1),
    failures: [] as RefreshFailureReason[],
    resumed: 0,
  };
  const now = () => rig.clock;
  const scayle = fakeScayle(now);
  const faulty = faultyStore(createMemoryStore({ now }));
  const sessions = createSessionService({
    store: faulty.store,
    crypto: createSessionCrypto(['k'.repeat(32)]),
    idleTtlMs: 3_600_000,
    absoluteTtlMs: 86_400_000,
    now,
  });

  /** One instance of the service's refresher; instances share the store, SCAYLE and the clock. */
  function instance(options: Partial<TokenRefresherOptions> = {}): TokenRefresher {
    return createTokenRefresher({
      sessions,
      refresh: (token) => scayle.refresh(token),
      verify: (token) => scayle.verify(token),
      revoke: async (_token, jti) => {
        scayle.revoked.push(jti);
      },
      pollMs: 1,
      events: { failed: (reason) => rig.failures.push(reason), resumed: () => (rig.resumed += 1) },
      ...options,
    });
  }

  /** A session whose access token has 10 s left: inside the 30 s window, so it needs a refresh. */
  async function staleSession(): Promise<LoadedSession> {
    const tokens = scayle.issue();
    const { session } = await sessions.create({
      customerId: '7',
      guest: false,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      jti: `jti-${tokens.accessToken}`,
      accessExpiresAt: rig.clock + 10_000,
      clientMode: 'cookie',
      clientKey: undefined,
      userAgent: undefined,
    });
    return session;
  }

  /** The session as the next request reads it. */
  async function reread(sid: string): Promise<LoadedSession> {
    const result = await sessions.load(sid);
    if (result.state !== 'live') throw new Error(`session is ${result.state}`);
    return result.session;
  }

  /** The next request: it must get the pair SCAYLE minted on the first (and only) refresh. */
  async function expectNextRequestServed(refresher: TokenRefresher, sid: string): Promise<void> {
    const fresh = await refresher.ensureFresh(await reread(sid), ctx);
    expect(fresh.data.accessToken).toBe('at-2');
    expect(fresh.data.jti).toBe('jti-at-2');
    expect((await reread(sid)).data).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2' });
    expect(scayle.refreshCalls).toBe(1);
    expect(scayle.reused).toBe(0);
  }

  /** Verification fails with `code` (as the JWKS fetch maps it) until the returned function is called. */
  function breakVerification(code: 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_TIMEOUT' | 'UPSTREAM_BAD_RESPONSE'): () => void {
    const verify = scayle.verify;
    scayle.verify = () => Promise.reject(new AppError(code, { cause: new Error('JWKS (test)') }));
    return () => {
      scayle.verify = verify;
    };
  }

  return Object.assign(rig, { scayle, faulty, sessions, instance, staleSession, reread, expectNextRequestServed, breakVerification });
}

export type RefreshRig = ReturnType<typeof createRefreshRig>;

/** The error a promise rejects with (store outages reach the route as StoreUnavailableError, answered 503). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
}
