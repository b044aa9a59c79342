// session-ending.ts over the memory store: paging through a customer's index (more sessions than one
// page), keeping the caller's session, the createdBefore cut, stale index ids, the per-customer limit,
// and upstream revocations that never exceed the concurrency bound.
import { describe, expect, it } from 'vitest';
import { mapBounded } from '../../src/sessions/bounded.js';
import { createMemoryStore } from '../../src/sessions/memory-store.js';
import { createSessionCrypto } from '../../src/sessions/session-crypto.js';
import { createSessionEnding, type EndReason } from '../../src/sessions/session-ending.js';
import { createSessionService } from '../../src/sessions/session-service.js';

const ctx = { requestId: 'test' };

function setup(options: { pageSize?: number; concurrency?: number } = {}) {
  let clock = 1_000_000;
  const store = createMemoryStore({ now: () => clock });
  const sessions = createSessionService({
    store,
    crypto: createSessionCrypto(['k'.repeat(32)]),
    idleTtlMs: 3_600_000,
    absoluteTtlMs: 7_200_000,
    now: () => clock,
  });
  let inFlight = 0;
  let maxInFlight = 0;
  const revoked: string[] = [];
  const ended: Array<[EndReason, number]> = [];
  const ending = createSessionEnding({
    sessions,
    pageSize: options.pageSize ?? 2,
    concurrency: options.concurrency ?? 2,
    revoke: async (data) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      revoked.push(data.jti);
      inFlight -= 1;
    },
    onEnded: (reason, count) => ended.push([reason, count]),
  });
  const login = async (customerId: string, n: number) => {
    const created = [];
    for (let i = 0; i < n; i += 1) {
      clock += 1_000;
      created.push(
        await sessions.create({
          customerId,
          guest: false,
          accessToken: `at-${customerId}-${i}`,
          jti: `jti-${customerId}-${i}`,
          accessExpiresAt: clock + 600_000,
          refreshToken: `rt-${customerId}-${i}`,
          clientMode: 'cookie',
          clientKey: undefined,
          userAgent: `ua-${i}`,
        }),
      );
    }
    return created.map((c) => c.session);
  };
  const live = async (customerId: string) => (await sessions.listForCustomer(customerId)).map((s) => s.data.jti);
  return {
    store,
    sessions,
    ending,
    login,
    live,
    revoked,
    ended,
    maxInFlight: () => maxInFlight,
    tick: (ms: number) => (clock += ms),
    now: () => clock,
  };
}

describe('endCustomer', () => {
  it('ends every session across several pages, keeps the caller, and revokes with bounded concurrency', async () => {
    const t = setup({ pageSize: 2, concurrency: 2 });
    const mine = await t.login('c1', 7);
    await t.login('c2', 2);
    const count = await t.ending.endCustomer('c1', { reason: 'password', ctx, keepSid: mine[3]!.sid });
    expect(count).toBe(6);
    expect(await t.live('c1')).toEqual(['jti-c1-3']);
    expect(await t.live('c2')).toHaveLength(2);
    expect(t.revoked.sort()).toEqual(['jti-c1-0', 'jti-c1-1', 'jti-c1-2', 'jti-c1-4', 'jti-c1-5', 'jti-c1-6']);
    expect(t.maxInFlight()).toBe(2);
    expect(t.ended.reduce((sum, [, n]) => sum + n, 0)).toBe(6);
  });

  it('leaves sessions created at or after createdBefore, and revokes nothing when told not to', async () => {
    const t = setup();
    await t.login('c1', 3);
    const cut = t.now() + 1;
    await t.login('c1', 2);
    expect(await t.ending.endCustomer('c1', { reason: 'password', ctx, createdBefore: cut, revoke: false })).toBe(3);
    expect(await t.live('c1')).toEqual(['jti-c1-0', 'jti-c1-1']);
    expect(t.revoked).toEqual([]);
  });

  it('drops index ids whose record is gone and still ends the rest', async () => {
    const t = setup({ pageSize: 2 });
    const mine = await t.login('c1', 5);
    // Records destroyed behind the index's back (it is only eventually consistent).
    await t.store.destroy(mine[0]!.sid, 60_000);
    await t.store.destroy(mine[1]!.sid, 60_000);
    expect(await t.ending.endCustomer('c1', { reason: 'ops', ctx })).toBe(3);
    expect(await t.store.indexSize('c1', t.now())).toBe(0);
  });
});

describe('listCustomer and enforceLimit', () => {
  it('lists up to a limit, oldest first, in pages', async () => {
    const t = setup({ pageSize: 2 });
    await t.login('c1', 5);
    expect((await t.ending.listCustomer('c1', 4)).map((s) => s.data.jti)).toEqual(['jti-c1-0', 'jti-c1-1', 'jti-c1-2', 'jti-c1-3']);
    expect(await t.ending.listCustomer('c1', 10)).toHaveLength(5);
    expect(await t.ending.listCustomer('nobody', 10)).toEqual([]);
  });

  it('ends the oldest sessions beyond the limit, never the one just created', async () => {
    const t = setup();
    const mine = await t.login('c1', 5);
    expect(await t.ending.enforceLimit('c1', 2, mine[4]!.sid, ctx)).toBe(3);
    expect(await t.live('c1')).toEqual(['jti-c1-3', 'jti-c1-4']);
    expect(t.ended).toEqual([['limit', 3]]);
    expect(await t.ending.enforceLimit('c1', 2, mine[4]!.sid, ctx)).toBe(0);
  });
});

describe('mapBounded', () => {
  it('keeps order, bounds what runs at once, and rejects a bad limit', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapBounded([5, 4, 3, 2, 1], 3, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running -= 1;
      return n * 2;
    });
    expect(out).toEqual([10, 8, 6, 4, 2]);
    expect(peak).toBe(3);
    await expect(mapBounded([1], 0, async (n) => n)).rejects.toThrow(RangeError);
  });
});
