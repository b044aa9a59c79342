// issue 20: the session read cache on a real Redis Cluster (three primaries), two instances with the cache on.
// A session read (and cached) on B and ended on A (logout, DELETE /auth/sessions/:id) is a 401 on B's very
// next request, with zero stale answers; B's hit counter proves it answered from memory. A topology event or
// a tracked connection closing flushes B's cache and turns it off until every primary tracks again.
import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asCluster } from '../../src/redis/connection.js';
import { keySlot } from '../../src/redis/key-slot.js';
import { literalPattern, scanPrimaries } from '../../src/redis/scan-nodes.js';
import { cachePairEnv, cachePairSteps, startCachePair } from '../helpers/cache-pair.js';
import { eventually } from '../helpers/eventually.js';
import { uniquePrefix } from '../helpers/redis.js';
import type { Stack } from '../helpers/stack.js';

const redisEnv = { REDIS_CLUSTER_NODES: inject('clusterNodes') };
const ENV = cachePairEnv();
const REPETITIONS = 300;
const LANES = 6;
let a: Stack;
let b: Stack;
const { hitsOf, register, loggedIn, readAndCacheOnB, staleAfterLogouts, staleAfterSessionDeletions } = cachePairSteps(
  () => ({ a, b }),
  'cluster-cache',
);

const cacheOn = (stack: Stack) => stack.app.sessionCache?.active === true;
beforeAll(async () => {
  ({ a, b } = await startCachePair(ENV, { redisEnv, prefix: uniquePrefix('cluster-cache') }));
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

describe('the session cache on a Redis Cluster', () => {
  it('routes a tracked read to the primary of the slot Redis computes', async () => {
    const cluster = asCluster(a.app.redis)!;
    expect(cluster).toBeDefined();
    for (const key of [`${a.prefix}{s:${randomBytes(16).toString('base64url')}}:rec`, 'foo', 'a{}b{c}', '{x}y', 'é{}']) {
      expect(keySlot(key)).toBe(Number(await cluster.cluster('KEYSLOT', key)));
    }
  });

  it(`logout on A: ${REPETITIONS} repetitions, no stale answer on B`, async () => {
    expect(await staleAfterLogouts(REPETITIONS, LANES)).toBe(0);
  });

  it(`DELETE /auth/sessions/:id on A: ${REPETITIONS} repetitions, no stale answer on B`, async () => {
    expect(await staleAfterSessionDeletions(REPETITIONS, LANES)).toBe(0);
  });

  it('a topology event on the shared client (a redirection seen) flushes B and turns it off until re-established', async () => {
    const { onB } = await loggedIn(await register());
    await readAndCacheOnB(onB);
    expect(b.app.sessionCache!.size).toBeGreaterThan(0);
    // What ioredis emits after it refreshed its slot map (on MOVED, a failover, a node change).
    (b.app.redis as Cluster).emit('refresh');
    expect(b.app.sessionCache!.active).toBe(false);
    expect(b.app.sessionCache!.size).toBe(0);
    await eventually(() => cacheOn(b), 'tracking re-established on every primary');
    await readAndCacheOnB(onB);
    expect(b.app.sessionCache!.size).toBeGreaterThan(0);
  });

  it("a tracked connection closed by one primary flushes B's whole cache until every primary tracks again", async () => {
    const { onB } = await loggedIn(await register());
    await readAndCacheOnB(onB);
    const flushes = (await b.app.metrics.sessionCacheFlushes.get()).values[0]?.value ?? 0;
    // Kill B's invalidation connections on one primary only (named by tracking.ts), from that node.
    const cluster = a.app.redis as Cluster;
    const node = cluster.nodes('master')[0]!;
    const clients = String(await node.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    expect(clients).toContain('name=bff-invalidations-');
    await node.client('KILL', 'TYPE', 'pubsub');
    await eventually(() => !cacheOn(b), 'the cache turned off');
    expect(b.app.sessionCache!.size).toBe(0);
    expect((await b.app.metrics.sessionCacheFlushes.get()).values[0]?.value ?? 0).toBeGreaterThan(flushes);
    await eventually(() => cacheOn(b) && cacheOn(a), 'tracking re-established on every primary');
    await readAndCacheOnB(onB);
    expect(b.app.sessionCache!.size).toBeGreaterThan(0);
  });

  it("moving a cached session's slot to another primary flushes B, and the logout that follows is a 401 on B", async () => {
    const cluster = asCluster(a.app.redis)!;
    const records = async (): Promise<Set<string>> => {
      const found = new Set<string>();
      for await (const batch of scanPrimaries(cluster, literalPattern(a.prefix, '{s:*}:rec'))) for (const key of batch) found.add(key);
      return found;
    };
    const before = await records();
    const { onA, onB } = await loggedIn(await register());
    const [key] = [...(await records())].filter((k) => !before.has(k));
    expect(key).toBeDefined();
    await readAndCacheOnB(onB);
    const hits = await hitsOf(b);
    expect((await onB.get('/auth/session')).status).toBe(200);
    expect(await hitsOf(b)).toBe(hits + 1);

    // Reshard the slot of that record the way redis-cli does: IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE.
    const slot = keySlot(key!);
    const masters = cluster.nodes('master');
    const idOf = async (node: (typeof masters)[number]) => String(await node.call('CLUSTER', 'MYID'));
    const ids = await Promise.all(masters.map(idOf));
    const owners = await Promise.all(masters.map(async (node) => Number(await node.call('CLUSTER', 'COUNTKEYSINSLOT', slot)) > 0));
    const from = owners.indexOf(true);
    expect(from).toBeGreaterThanOrEqual(0);
    const to = (from + 1) % masters.length;
    const [source, target] = [masters[from]!, masters[to]!];
    const flushes = (await b.app.metrics.sessionCacheFlushes.get()).values[0]?.value ?? 0;
    await target.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', ids[from]!);
    await source.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', ids[to]!);
    const keys = (await source.call('CLUSTER', 'GETKEYSINSLOT', slot, 1000)) as string[];
    await source.call('MIGRATE', target.options.host!, target.options.port!, '', 0, 5000, 'KEYS', ...keys);
    for (const node of [target, source, ...masters]) await node.call('CLUSTER', 'SETSLOT', slot, 'NODE', ids[to]!);

    await eventually(async () => ((await b.app.metrics.sessionCacheFlushes.get()).values[0]?.value ?? 0) > flushes, 'B flushed');
    expect((await onA.post('/auth/logout')).status).toBe(204);
    expect((await onB.get('/auth/session')).status).toBe(401);
    await eventually(() => cacheOn(b), 'tracking re-established on every primary after the move');
    const again = await loggedIn(await register());
    await readAndCacheOnB(again.onB);
    expect(await hitsOf(b)).toBeGreaterThan(hits + 1);
  });
});
