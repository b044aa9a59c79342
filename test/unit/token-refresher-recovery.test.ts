// The refresher against a strict-rotation fake of SCAYLE and the memory store, with a failure injected at
// each step after SCAYLE has returned the new pair (verification, the side-record write, the
// compare-and-set, the whole store): the request fails with a 5xx, the next one (here or on another
// instance) succeeds with the new tokens, and SCAYLE's refresh is called exactly once.
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/sessions/store.js';
import { failure } from '../helpers/failure.js';
import { ACCESS_TTL_S, createRefreshRig, ctx, rejection, type RefreshRig } from '../helpers/refresh-rig.js';

let rig: RefreshRig;
beforeEach(() => {
  rig = createRefreshRig();
});

describe('a failure after SCAYLE returned the new pair', () => {
  it.each([
    ['the JWKS is down', 'UPSTREAM_UNAVAILABLE', 503, 'jwks_unavailable'],
    ['the JWKS fetch times out', 'UPSTREAM_TIMEOUT', 504, 'jwks_timeout'],
    ['a new kid inside the refetch cooldown', 'UPSTREAM_BAD_RESPONSE', 502, 'verification_failed'],
  ] as const)('verification fails (%s): %s, then the next request finishes from the kept pair', async (_n, code, status, reason) => {
    const refresher = rig.instance();
    const session = await rig.staleSession();
    const repair = rig.breakVerification(code);
    const err = await failure(refresher.ensureFresh(session, ctx));
    expect([err.code, err.status]).toEqual([code, status]);
    expect(rig.failures).toEqual([reason]);
    // The session keeps its old tokens meanwhile, and is still there.
    expect((await rig.reread(session.sid)).data.accessToken).toBe('at-1');

    repair();
    await rig.expectNextRequestServed(refresher, session.sid);
    expect(rig.resumed).toBe(1);
  });

  it('verification fails on one instance; another instance finishes from the side record', async () => {
    const session = await rig.staleSession();
    const repair = rig.breakVerification('UPSTREAM_UNAVAILABLE');
    await failure(rig.instance().ensureFresh(session, ctx));
    repair();
    await rig.expectNextRequestServed(rig.instance(), session.sid);
  });

  it('the side-record write fails: the request still succeeds with the pair it holds', async () => {
    const refresher = rig.instance();
    const session = await rig.staleSession();
    rig.faulty.fail('putSide', 2);
    const fresh = await refresher.ensureFresh(session, ctx);
    expect(fresh.data.accessToken).toBe('at-2');
    await rig.expectNextRequestServed(refresher, session.sid);
  });

  it('the side-record write and verification fail: the next request on this instance finishes from the held pair', async () => {
    const refresher = rig.instance();
    const session = await rig.staleSession();
    rig.faulty.fail('putSide', 1);
    const repair = rig.breakVerification('UPSTREAM_TIMEOUT');
    expect((await failure(refresher.ensureFresh(session, ctx))).code).toBe('UPSTREAM_TIMEOUT');
    repair();
    await rig.expectNextRequestServed(refresher, session.sid);
  });

  it('the compare-and-set fails (store down): 503, then the next request, on another instance, succeeds', async () => {
    const session = await rig.staleSession();
    rig.faulty.fail('compareAndSet', 1);
    expect(await rejection(rig.instance().ensureFresh(session, ctx))).toBeInstanceOf(StoreUnavailableError);
    expect(rig.failures).toEqual(['store_unavailable']);
    await rig.expectNextRequestServed(rig.instance(), session.sid);
  });

  it('the compare-and-set keeps conflicting: store_contention, not a store outage, and the pair stays pending', async () => {
    const refresher = rig.instance();
    const session = await rig.staleSession();
    rig.faulty.fail('compareAndSet', 5, () => Promise.resolve('conflict'));
    const err = await failure(refresher.ensureFresh(session, ctx));
    expect([err.code, err.headers['retry-after']]).toEqual(['SESSION_STORE_UNAVAILABLE', '1']);
    expect(rig.failures).toEqual(['store_contention']);
    expect(rig.scayle.revoked).toEqual([]);
    await rig.expectNextRequestServed(refresher, session.sid);
  });

  it('the whole store goes away after the refresh call: the next request after it returns succeeds', async () => {
    const refresher = rig.instance();
    const session = await rig.staleSession();
    for (const op of ['putSide', 'compareAndSet', 'releaseLock'] as const) rig.faulty.fail(op, 1);
    expect(await rejection(refresher.ensureFresh(session, ctx))).toBeInstanceOf(StoreUnavailableError);
    expect(rig.failures).toEqual(['store_unavailable']);
    // The lock it could not release expires on its own (10 s).
    rig.clock += 11_000;
    await rig.expectNextRequestServed(refresher, session.sid);
  });

  it('a pair kept longer than its access token lives is refreshed with its own refresh token, never the spent one', async () => {
    const refresher = rig.instance();
    const session = await rig.staleSession();
    const repair = rig.breakVerification('UPSTREAM_UNAVAILABLE');
    await failure(refresher.ensureFresh(session, ctx));
    rig.clock += (ACCESS_TTL_S + 1) * 1000;
    repair();
    const fresh = await refresher.ensureFresh(await rig.reread(session.sid), ctx);
    expect(fresh.data).toMatchObject({ accessToken: 'at-3', refreshToken: 'rt-3' });
    expect(rig.scayle.refreshCalls).toBe(2);
    expect(rig.scayle.reused).toBe(0);
  });

  it('a kept pair another instance moved on is read from the store, not from the stale copy held here', async () => {
    const [first, second] = [rig.instance(), rig.instance()];
    const session = await rig.staleSession();
    const repair = rig.breakVerification('UPSTREAM_UNAVAILABLE');
    await failure(first.ensureFresh(session, ctx)); // keeps at-2/rt-2
    rig.clock += (ACCESS_TTL_S + 1) * 1000;
    await failure(second.ensureFresh(await rig.reread(session.sid), ctx)); // spends rt-2, keeps at-3/rt-3
    expect(rig.scayle.refreshCalls).toBe(2);

    repair();
    const fresh = await first.ensureFresh(await rig.reread(session.sid), ctx);
    expect(fresh.data).toMatchObject({ accessToken: 'at-3', refreshToken: 'rt-3' });
    expect(rig.scayle.refreshCalls).toBe(2);
    expect(rig.scayle.reused).toBe(0);
  });
});
