// issue 20: the session read cache through Sentinel (a primary, a replica, three sentinels), two instances
// with the cache on. A session read (and cached) on B and ended on A is a 401 on B's very next request, with
// zero stale answers: in steady state (logout, DELETE /auth/sessions/:id), across manual `SENTINEL FAILOVER`s
// that leave the old primary up (still a primary until it is converted, which this file does only after B's
// request, so B's pair, left alone, would go on tracking and answering from the old one), and across a
// SIGKILL of the primary (503 meanwhile, never a stale 200). A Redis user without ROLE keeps the cache off.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachePairEnv, cachePairSteps, startCachePair } from '../helpers/cache-pair.js';
import { eventually } from '../helpers/eventually.js';
import type { Browser } from '../helpers/http.js';
import { uniquePrefix } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { cli, startSentinelSet, type LocalSentinelSet } from './processes.js';

const NODE_PASSWORD = `node-pw-${randomBytes(8).toString('hex')}`;
const SENTINEL_PASSWORD = `sentinel-pw-${randomBytes(8).toString('hex')}`;
const REPETITIONS = 300;
const LANES = 6;
const FAILOVERS = 4;
const ENV = cachePairEnv();
let set: LocalSentinelSet;
let a: Stack;
let b: Stack;
const { hitsOf, register, loggedIn, readAndCacheOnB, staleAfterLogouts, staleAfterSessionDeletions, servesWithoutCache } = cachePairSteps(
  () => ({ a, b }),
  'sentinel-cache',
);

const cacheOn = (stack: Stack) => stack.app.sessionCache?.active === true;
const node = (port: number, args: string[]) => cli(port, args, NODE_PASSWORD);
const sentinel = (port: number, args: string[]) => cli(port, args, SENTINEL_PASSWORD);
const ports = () => [set.primary.port, set.replica.port];

/** The port of the server the stack's data client (app.redis) is connected to now; undefined while reconnecting. */
async function dataPort(stack: Stack): Promise<number | undefined> {
  const info = await stack.app.redis!.info('server').catch(() => '');
  const port = /^tcp_port:(\d+)/m.exec(info)?.[1];
  return port === undefined ? undefined : Number(port);
}

/** Every sentinel names `port` as the primary. */
async function sentinelsName(port: number): Promise<boolean> {
  const replies = await Promise.all(set.sentinelPorts.map((s) => sentinel(s, ['sentinel', 'get-master-addr-by-name', set.name])));
  return replies.every((reply) => Number(reply.trim().split('\n')[1]) === port);
}

/** `replica` replicates the primary, in sync, and every sentinel knows it as a replica it could promote. */
async function replicaReady(replica: number): Promise<boolean> {
  if (!(await node(replica, ['info', 'replication'])).includes('master_link_status:up')) return false;
  const views = await Promise.all(set.sentinelPorts.map((s) => sentinel(s, ['sentinel', 'replicas', set.name])));
  return views.every((view) => view.includes(`port\n${replica}\n`) && /flags\nslave\n/.test(view) && /master-link-status\nok\n/.test(view));
}

/** A logout on A; a request that met the moment A's data client switched servers answers 503 once: retried. */
async function logoutOnA(onA: Browser): Promise<void> {
  let logout = await onA.post('/auth/logout');
  for (let retry = 0; logout.status === 503 && retry < 20; retry += 1) logout = await onA.post('/auth/logout');
  expect(logout.status, logout.text).toBe(204);
}

beforeAll(async () => {
  set = await startSentinelSet(NODE_PASSWORD, SENTINEL_PASSWORD);
  ({ a, b } = await startCachePair(ENV, { redisEnv: set.redisEnv, prefix: uniquePrefix('sentinel-cache') }));
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await set?.stop();
});

describe('the session cache through Sentinel', () => {
  it('stays off, and says why, for a Redis user without ROLE (the fence asks it)', async () => {
    // ACL users are per server: the same user on both.
    const password = 'a password for the user without ROLE';
    for (const port of ports()) await node(port, ['ACL', 'SETUSER', 'bff-no-role', 'on', `>${password}`, '~*', '&*', '+@all', '-role']);
    const c = await startStack({
      env: { ...ENV, REDIS_USERNAME: 'bff-no-role' },
      redisEnv: { ...set.redisEnv, REDIS_PASSWORD: password },
      prefix: a.prefix,
      sharedEmulator: a.emulator,
    });
    try {
      await eventually(
        () => c.logs.some((line) => line.includes('the session cache on Sentinel needs ROLE and INFO')),
        'the reason in the log',
      );
      await servesWithoutCache(c); // from Redis, all the same
    } finally {
      await c.close();
      for (const port of ports()) await node(port, ['ACL', 'DELUSER', 'bff-no-role']);
    }
  });

  it(`logout on A: ${REPETITIONS} repetitions, no stale answer on B`, async () => {
    expect(cacheOn(a) && cacheOn(b)).toBe(true);
    expect(await staleAfterLogouts(REPETITIONS, LANES)).toBe(0);
  });

  it(`DELETE /auth/sessions/:id on A: ${REPETITIONS} repetitions, no stale answer on B`, async () => {
    expect(await staleAfterSessionDeletions(REPETITIONS, LANES)).toBe(0);
  });

  it(
    `${FAILOVERS} manual SENTINEL FAILOVERs, back and forth: a logout on A right after each is a 401 on B`,
    { timeout: 240_000 },
    async () => {
      const email = await register();
      const statuses: number[] = []; // of B's request after each logout
      const found = { on: 0, onWithEntries: 0, off: 0 }; // B's cache when A logged out
      for (let i = 0; i < FAILOVERS; i += 1) {
        const from = await set.primaryPort();
        const to = ports().find((port) => port !== from)!;
        await eventually(() => replicaReady(to), 'the replica in sync and known to every sentinel', 60_000);
        await eventually(() => cacheOn(a) && cacheOn(b), 'Redis tracking on both instances', 30_000);

        // B answers the session from memory; the replica has the session too.
        const { onA, onB } = await loggedIn(email);
        const hits = await hitsOf(b);
        await readAndCacheOnB(onB);
        expect(await hitsOf(b)).toBeGreaterThan(hits);
        expect((await node(from, ['wait', '1', '5000'])).trim()).toBe('1');

        await eventually(
          async () => (await sentinel(set.sentinelPorts[0]!, ['sentinel', 'failover', set.name])).trim() === 'OK',
          'the sentinel to accept the failover',
          30_000,
        );
        await eventually(() => sentinelsName(to), 'every sentinel naming the new primary', 30_000);
        // Both data clients follow +switch-master; until they have, uncached reads and writes of that instance
        // still go to the old primary (Sentinel's own window, cache or not), which is not what this test is about.
        await eventually(
          async () => (await dataPort(a)) === to && (await dataPort(b)) === to,
          'both data clients on the new primary',
          30_000,
        );
        // The old primary is still a primary (the sentinels convert it only seconds later): B's pair, had it
        // stayed there, would hear nothing of writes to the new one.
        expect(String(await node(from, ['role'])).startsWith('master')).toBe(true);

        if (!cacheOn(b)) found.off += 1;
        else if (b.app.sessionCache!.size > 0) found.onWithEntries += 1;
        else found.on += 1;
        await logoutOnA(onA);
        statuses.push((await onB.get('/auth/session')).status);

        // What the sentinels would do a little later: the old primary replicates the new one.
        await node(from, ['replicaof', '127.0.0.1', String(to)]);
        // The cache comes back on the new primary and answers from memory there, as fresh as before.
        await eventually(() => cacheOn(a) && cacheOn(b), 'Redis tracking on both instances, on the new primary', 30_000);
        expect(await staleAfterLogouts(10, 2)).toBe(0);
      }
      process.stdout.write(
        `sentinel session cache: B's cache at each logout after a failover ${JSON.stringify(found)}; ` +
          `B answered ${JSON.stringify(statuses)}\n`,
      );
      expect(statuses).toEqual(Array.from({ length: FAILOVERS }, () => 401));
    },
  );

  it(
    'a SIGKILLed primary: 503 on B meanwhile, never a stale 200, and every session back after the promotion',
    { timeout: 120_000 },
    async () => {
      const from = await set.primaryPort();
      const to = ports().find((port) => port !== from)!;
      const dying = from === set.primary.port ? set.primary : set.replica;
      await eventually(() => replicaReady(to), 'the replica in sync and known to every sentinel', 60_000);
      await eventually(() => cacheOn(a) && cacheOn(b), 'Redis tracking on both instances', 30_000);
      const sessions = await Promise.all(Array.from({ length: 5 }, async () => loggedIn(await register())));
      for (const { onB } of sessions) await readAndCacheOnB(onB);
      expect(b.app.sessionCache!.size).toBeGreaterThanOrEqual(sessions.length);
      expect((await node(from, ['wait', '1', '5000'])).trim()).toBe('1');

      dying.signal('SIGKILL');
      // B stops answering from memory: the store is unavailable, said as such.
      await eventually(
        async () => {
          const reply = await sessions[1]!.onB.get('/auth/session');
          expect([200, 503]).toContain(reply.status);
          return reply.status === 503 && reply.body.code === 'SESSION_STORE_UNAVAILABLE';
        },
        'B to answer 503 SESSION_STORE_UNAVAILABLE',
        10_000,
        20,
      );
      expect(b.app.sessionCache!.size).toBe(0);
      await eventually(async () => (await set.primaryPort().catch(() => from)) === to, 'the sentinels to promote the replica', 30_000, 50);

      // Right after A can write again, it ends one session; B never serves it again.
      const [ended, ...kept] = sessions;
      await eventually(async () => (await ended!.onA.post('/auth/logout')).status === 204, 'the logout on A', 30_000, 20);
      const afterLogout: number[] = [];
      await eventually(
        async () => {
          const status = (await ended!.onB.get('/auth/session')).status;
          afterLogout.push(status);
          return status !== 503;
        },
        'B to answer again',
        30_000,
        20,
      );
      expect(afterLogout.filter((status) => status !== 503)).toEqual([401]);
      // Every other session works on B again, and B's cache is back on and answering from memory.
      await eventually(
        async () => (await Promise.all(kept.map(({ onB }) => onB.get('/auth/session')))).every((r) => r.status === 200),
        'every session on B',
        30_000,
      );
      await eventually(() => cacheOn(b), 'Redis tracking on B, on the new primary', 30_000);
      const hits = await hitsOf(b);
      for (const { onB } of kept) await readAndCacheOnB(onB);
      expect(await hitsOf(b)).toBeGreaterThanOrEqual(hits + kept.length);
      expect((await ended!.onB.get('/auth/session')).status).toBe(401);
      const logs = [...a.logs, ...b.logs].join('');
      expect(logs).not.toContain(NODE_PASSWORD);
      expect(logs).not.toContain(SENTINEL_PASSWORD);
    },
  );
});
