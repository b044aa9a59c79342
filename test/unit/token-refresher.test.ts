// The refresher's endings other than success, against a strict-rotation fake of SCAYLE and the memory
// store: a session logged out under a refresh, a write lost to another instance, and the metric reason
// each failure is counted under (contention is not an outage of SCAYLE or of the store).
import { beforeEach, describe, expect, it } from 'vitest';
import type { CasResult } from '../../src/sessions/store.js';
import { failure } from '../helpers/failure.js';
import { createRefreshRig, ctx, type RefreshRig } from '../helpers/refresh-rig.js';

let rig: RefreshRig;
beforeEach(() => {
  rig = createRefreshRig();
});

describe('a refresh whose session ends meanwhile', () => {
  it('revokes the minted tokens when the session is destroyed between a write conflict and the re-read', async () => {
    const refresher = rig.instance();
    const session = await rig.staleSession();
    rig.faulty.fail('compareAndSet', 1, async () => {
      await rig.sessions.destroy(session.sid);
      return 'conflict';
    });
    const err = await failure(refresher.ensureFresh(session, ctx));
    expect(err.code).toBe('SESSION_EXPIRED');
    expect(rig.scayle.revoked).toEqual(['jti-at-2']);
    expect(rig.failures).toEqual(['session_gone']);
  });

  it('revokes the minted tokens when the session was logged out before the write', async () => {
    const refresher = rig.instance();
    const session = await rig.staleSession();
    rig.faulty.fail('compareAndSet', 1, async () => {
      await rig.sessions.destroy(session.sid);
      return 'missing';
    });
    expect((await failure(refresher.ensureFresh(session, ctx))).code).toBe('SESSION_EXPIRED');
    expect(rig.scayle.revoked).toEqual(['jti-at-2']);
  });
});

describe('a write conflict with someone whose lock outlived ours', () => {
  /** A compare-and-set that loses to a write of `tokens` by another instance. */
  const losesTo = (sid: string, tokens: { accessToken: string; refreshToken: string }) => async (): Promise<CasResult> => {
    const current = await rig.reread(sid);
    const jti = `jti-${tokens.accessToken}`;
    await rig.sessions.save(current, { ...current.data, ...tokens, jti, accessExpiresAt: rig.clock + 300_000 });
    return 'conflict';
  };

  it('revokes our pair when another one was written instead', async () => {
    const refresher = rig.instance();
    const session = await rig.staleSession();
    const other = rig.scayle.issue(); // at-2; the refresh below mints at-3
    rig.faulty.fail('compareAndSet', 1, losesTo(session.sid, other));
    const fresh = await refresher.ensureFresh(session, ctx);
    expect(fresh.data.accessToken).toBe('at-2');
    expect(rig.scayle.revoked).toEqual(['jti-at-3']);
  });

  it('keeps our pair when the other instance finished that very pair from the side record', async () => {
    const refresher = rig.instance();
    const session = await rig.staleSession();
    rig.faulty.fail('compareAndSet', 1, losesTo(session.sid, { accessToken: 'at-2', refreshToken: 'rt-2' }));
    const fresh = await refresher.ensureFresh(session, ctx);
    expect(fresh.data.accessToken).toBe('at-2');
    expect(rig.scayle.revoked).toEqual([]);
  });
});

describe('failure reasons', () => {
  it('labels a lock held by another refresh too long as lock_contention', async () => {
    const session = await rig.staleSession();
    await rig.sessions.store.acquireLock(session.sid, 'someone-else', 60_000);
    const refresher = rig.instance({ waitMs: 0 });
    expect((await failure(refresher.ensureFresh(session, ctx))).headers['retry-after']).toBe('1');
    expect(rig.failures).toEqual(['lock_contention']);
    expect(rig.scayle.refreshCalls).toBe(0);
  });

  it('labels a rejected refresh token as rejected and ends the session', async () => {
    const refresher = rig.instance();
    const session = await rig.staleSession();
    await rig.scayle.refresh('rt-1'); // spent elsewhere, with no pair kept here
    expect((await failure(refresher.ensureFresh(session, ctx))).code).toBe('SESSION_EXPIRED');
    expect(rig.failures).toEqual(['rejected']);
    expect((await rig.sessions.load(session.sid)).state).toBe('missing');
  });
});
