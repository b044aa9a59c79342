// The refresher against a strict-rotation fake of SCAYLE and the memory store, with a failure injected at
// each step after SCAYLE has returned the new pair (verification, the side-record write, the
// compare-and-set, the whole store): the request fails with a 5xx, the next one (here or on another
// instance) succeeds with the new tokens, and SCAYLE's refresh is called exactly once.
import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { RefreshFailureReason } from '../../src/sessions/refresh-failure-reason.js';
import { createMemoryStore } from '../../src/sessions/memory-store.js';
import { createSessionCrypto } from '../../src/sessions/session-crypto.js';
import { createSessionService, type LoadedSession, type SessionService } from '../../src/sessions/session-service.js';
import { StoreUnavailableError, type CasResult, type SessionStore } from '../../src/sessions/store.js';
import { createTokenRefresher, type TokenRefresher } from '../../src/sessions/token-refresher.js';
import type { UpstreamTokens } from '../../src/upstream/types.js';
import { failure } from '../helpers/failure.js';

const T0 = Date.UTC(2026, 0, 1);
const ACCESS_TTL_S = 300;
const ctx = { requestId: 'req-1' };

/** SCAYLE with strict rotation: each refresh token works once. */
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
    fail(op: Op, times = 1, fail: Fail = down) {
      faults.set(op, { times, fail });
    },
  };
}

/** The error a promise rejects with (store outages reach the route as StoreUnavailableError, answered 503). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
}

let clock: number;
let scayle: ReturnType<typeof fakeScayle>;
let faulty: ReturnType<typeof faultyStore>;
let sessions: SessionService;
let failures: RefreshFailureReason[];
let resumed: number;

function instance(): TokenRefresher {
  return createTokenRefresher({
    sessions,
    refresh: (token) => scayle.refresh(token),
    verify: (token) => scayle.verify(token),
    revoke: async (_token, jti) => {
      scayle.revoked.push(jti);
    },
    pollMs: 1,
    events: { failed: (reason) => failures.push(reason), resumed: () => (resumed += 1) },
  });
}

beforeEach(() => {
  clock = T0;
  const now = () => clock;
  scayle = fakeScayle(now);
  faulty = faultyStore(createMemoryStore({ now }));
  sessions = createSessionService({
    store: faulty.store,
    crypto: createSessionCrypto(['k'.repeat(32)]),
    idleTtlMs: 3_600_000,
    absoluteTtlMs: 86_400_000,
    now,
  });
  failures = [];
  resumed = 0;
});

/** A session whose access token has 10 s left: inside the 30 s window, so it needs a refresh. */
async function staleSession(): Promise<LoadedSession> {
  const tokens = scayle.issue();
  const { session } = await sessions.create({
    customerId: '7',
    guest: false,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    jti: `jti-${tokens.accessToken}`,
    accessExpiresAt: clock + 10_000,
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

const jwksError = (code: 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_TIMEOUT' | 'UPSTREAM_BAD_RESPONSE') => () =>
  Promise.reject(new AppError(code, { cause: new Error('JWKS (test)') }));

describe('a failure after SCAYLE returned the new pair', () => {
  it.each([
    ['the JWKS is down', 'UPSTREAM_UNAVAILABLE', 503, 'jwks_unavailable'],
    ['the JWKS fetch times out', 'UPSTREAM_TIMEOUT', 504, 'jwks_timeout'],
    ['a new kid inside the refetch cooldown', 'UPSTREAM_BAD_RESPONSE', 502, 'verification_failed'],
  ] as const)('verification fails (%s): %s, then the next request finishes from the kept pair', async (_n, code, status, reason) => {
    const refresher = instance();
    const session = await staleSession();
    const verify = scayle.verify;
    scayle.verify = jwksError(code);
    const err = await failure(refresher.ensureFresh(session, ctx));
    expect([err.code, err.status]).toEqual([code, status]);
    expect(failures).toEqual([reason]);
    // The session keeps its old tokens meanwhile, and is still there.
    expect((await reread(session.sid)).data.accessToken).toBe('at-1');

    scayle.verify = verify;
    await expectNextRequestServed(refresher, session.sid);
    expect(resumed).toBe(1);
  });

  it('verification fails on one instance; another instance finishes from the side record', async () => {
    const session = await staleSession();
    const verify = scayle.verify;
    scayle.verify = jwksError('UPSTREAM_UNAVAILABLE');
    await failure(instance().ensureFresh(session, ctx));
    scayle.verify = verify;
    await expectNextRequestServed(instance(), session.sid);
  });

  it('the side-record write fails: the request still succeeds with the pair it holds', async () => {
    const refresher = instance();
    const session = await staleSession();
    faulty.fail('putSide', 2);
    const fresh = await refresher.ensureFresh(session, ctx);
    expect(fresh.data.accessToken).toBe('at-2');
    await expectNextRequestServed(refresher, session.sid);
  });

  it('the side-record write and verification fail: the next request on this instance finishes from the held pair', async () => {
    const refresher = instance();
    const session = await staleSession();
    faulty.fail('putSide', 1);
    const verify = scayle.verify;
    scayle.verify = jwksError('UPSTREAM_TIMEOUT');
    expect((await failure(refresher.ensureFresh(session, ctx))).code).toBe('UPSTREAM_TIMEOUT');
    scayle.verify = verify;
    await expectNextRequestServed(refresher, session.sid);
  });

  it('the compare-and-set fails (store down): 503, then the next request, on another instance, succeeds', async () => {
    const session = await staleSession();
    faulty.fail('compareAndSet', 1);
    expect(await rejection(instance().ensureFresh(session, ctx))).toBeInstanceOf(StoreUnavailableError);
    expect(failures).toEqual(['store_unavailable']);
    await expectNextRequestServed(instance(), session.sid);
  });

  it('the compare-and-set keeps conflicting: store_contention, not a store outage, and the pair stays pending', async () => {
    const refresher = instance();
    const session = await staleSession();
    faulty.fail('compareAndSet', 5, () => Promise.resolve('conflict'));
    const err = await failure(refresher.ensureFresh(session, ctx));
    expect([err.code, err.headers['retry-after']]).toEqual(['SESSION_STORE_UNAVAILABLE', '1']);
    expect(failures).toEqual(['store_contention']);
    expect(scayle.revoked).toEqual([]);
    await expectNextRequestServed(refresher, session.sid);
  });

  it('the whole store goes away after the refresh call: the next request after it returns succeeds', async () => {
    const refresher = instance();
    const session = await staleSession();
    for (const op of ['putSide', 'compareAndSet', 'releaseLock'] as const) faulty.fail(op, 1);
    expect(await rejection(refresher.ensureFresh(session, ctx))).toBeInstanceOf(StoreUnavailableError);
    expect(failures).toEqual(['store_unavailable']);
    // The lock it could not release expires on its own (10 s).
    clock += 11_000;
    await expectNextRequestServed(refresher, session.sid);
  });

  it('a pair kept longer than its access token lives is refreshed with its own refresh token, never the spent one', async () => {
    const refresher = instance();
    const session = await staleSession();
    const verify = scayle.verify;
    scayle.verify = jwksError('UPSTREAM_UNAVAILABLE');
    await failure(refresher.ensureFresh(session, ctx));
    clock += (ACCESS_TTL_S + 1) * 1000;
    scayle.verify = verify;
    const fresh = await refresher.ensureFresh(await reread(session.sid), ctx);
    expect(fresh.data).toMatchObject({ accessToken: 'at-3', refreshToken: 'rt-3' });
    expect(scayle.refreshCalls).toBe(2);
    expect(scayle.reused).toBe(0);
  });
});

describe('a kept pair moved on by another instance', () => {
  it('is read from the store, not from the stale copy this instance holds', async () => {
    const [first, second] = [instance(), instance()];
    const session = await staleSession();
    const verify = scayle.verify;
    scayle.verify = jwksError('UPSTREAM_UNAVAILABLE');
    await failure(first.ensureFresh(session, ctx)); // keeps at-2/rt-2
    clock += (ACCESS_TTL_S + 1) * 1000;
    await failure(second.ensureFresh(await reread(session.sid), ctx)); // spends rt-2, keeps at-3/rt-3
    expect(scayle.refreshCalls).toBe(2);

    scayle.verify = verify;
    const fresh = await first.ensureFresh(await reread(session.sid), ctx);
    expect(fresh.data).toMatchObject({ accessToken: 'at-3', refreshToken: 'rt-3' });
    expect(scayle.refreshCalls).toBe(2);
    expect(scayle.reused).toBe(0);
  });
});

describe('a refresh whose session ends meanwhile', () => {
  it('revokes the minted tokens when the session is destroyed between a write conflict and the re-read', async () => {
    const refresher = instance();
    const session = await staleSession();
    faulty.fail('compareAndSet', 1, async () => {
      await sessions.destroy(session.sid);
      return 'conflict';
    });
    const err = await failure(refresher.ensureFresh(session, ctx));
    expect(err.code).toBe('SESSION_EXPIRED');
    expect(scayle.revoked).toEqual(['jti-at-2']);
    expect(failures).toEqual(['session_gone']);
  });

  it('revokes the minted tokens when the session was logged out before the write', async () => {
    const refresher = instance();
    const session = await staleSession();
    faulty.fail('compareAndSet', 1, async () => {
      await sessions.destroy(session.sid);
      return 'missing';
    });
    expect((await failure(refresher.ensureFresh(session, ctx))).code).toBe('SESSION_EXPIRED');
    expect(scayle.revoked).toEqual(['jti-at-2']);
  });
});

describe('a write conflict with someone whose lock outlived ours', () => {
  /** A compare-and-set that loses to a write of `tokens` by another instance. */
  const losesTo = (sid: string, tokens: { accessToken: string; refreshToken: string }) => async (): Promise<CasResult> => {
    const current = await reread(sid);
    await sessions.save(current, { ...current.data, ...tokens, jti: `jti-${tokens.accessToken}`, accessExpiresAt: clock + 300_000 });
    return 'conflict';
  };

  it('revokes our pair when another one was written instead', async () => {
    const refresher = instance();
    const session = await staleSession();
    const other = scayle.issue(); // at-2; the refresh below mints at-3
    faulty.fail('compareAndSet', 1, losesTo(session.sid, other));
    const fresh = await refresher.ensureFresh(session, ctx);
    expect(fresh.data.accessToken).toBe('at-2');
    expect(scayle.revoked).toEqual(['jti-at-3']);
  });

  it('keeps our pair when the other instance finished that very pair from the side record', async () => {
    const refresher = instance();
    const session = await staleSession();
    faulty.fail('compareAndSet', 1, losesTo(session.sid, { accessToken: 'at-2', refreshToken: 'rt-2' }));
    const fresh = await refresher.ensureFresh(session, ctx);
    expect(fresh.data.accessToken).toBe('at-2');
    expect(scayle.revoked).toEqual([]);
  });
});

describe('failure reasons', () => {
  it('labels a lock held by another refresh too long as lock_contention', async () => {
    const session = await staleSession();
    await sessions.store.acquireLock(session.sid, 'someone-else', 60_000);
    const refresher = createTokenRefresher({
      sessions,
      refresh: (token) => scayle.refresh(token),
      verify: (token) => scayle.verify(token),
      revoke: async () => undefined,
      pollMs: 1,
      waitMs: 0,
      events: { failed: (reason) => failures.push(reason) },
    });
    expect((await failure(refresher.ensureFresh(session, ctx))).headers['retry-after']).toBe('1');
    expect(failures).toEqual(['lock_contention']);
    expect(scayle.refreshCalls).toBe(0);
  });

  it('labels a rejected refresh token as rejected and ends the session', async () => {
    const refresher = instance();
    const session = await staleSession();
    await scayle.refresh('rt-1'); // spent elsewhere, with no pair kept here
    expect((await failure(refresher.ensureFresh(session, ctx))).code).toBe('SESSION_EXPIRED');
    expect(failures).toEqual(['rejected']);
    expect((await sessions.load(session.sid)).state).toBe('missing');
  });
});
