// The whole SessionStore contract on a real 3-primary Redis Cluster: every script and read-modify-write of
// the store runs in one slot (a cross-slot script would fail here with CROSSSLOT), the keys of many
// sessions spread over every primary, and the other Redis users (registration guard, SSO used-states,
// rate-limit counters) work through the same Cluster client.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedisClient, type RedisClient } from '../../src/redis/connection.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { parseHostPorts } from '../../src/redis/target.js';
import { createRedisStore } from '../../src/sessions/redis-store.js';
import { createRegistrationGuard } from '../../src/sessions/registration-guard.js';
import { createUsedStates } from '../../src/sso/used-states.js';
import { describeStoreContract } from '../contract/store-contract.js';
import { uniquePrefix } from '../helpers/redis.js';
import { cli } from './processes.js';

const nodes = parseHostPorts(inject('clusterNodes').split(','))!;
let redis: RedisClient;

beforeAll(async () => {
  redis = createRedisClient({ kind: 'cluster', nodes });
  await waitForRedis(redis, 10_000);
});
afterAll(async () => {
  await closeRedis(redis);
});

describe('on a Redis Cluster', () => {
  // A second of margin for every "still there" check, as on one node.
  describeStoreContract('redis cluster', () => ({
    store: createRedisStore({ redis, keyPrefix: uniquePrefix('cluster') }),
    time: { ttlMs: 1_000, elapse: (ms) => sleep(ms), now: () => Date.now() },
  }));

  it('spreads sessions over every primary, each session in one slot and its customer index in another', async () => {
    const prefix = uniquePrefix('spread');
    const store = createRedisStore({ redis, keyPrefix: prefix });
    const customer = randomUUID();
    const sids = Array.from({ length: 30 }, () => randomUUID());
    for (const sid of sids) {
      expect(await store.create(sid, Buffer.from('v'), 60_000)).toBe(true);
      await store.putSide(sid, 'n', Buffer.from('s'), 60_000);
      expect(await store.acquireLock(sid, 'me', 60_000)).toBe(true);
      await store.indexAdd(customer, sid, Date.now() + 60_000);
    }
    expect((await store.indexList(customer)).sort()).toEqual([...sids].sort());
    for (const sid of sids) expect(await store.destroy(sid, 60_000)).toBe(true);
    // Every primary holds some of them: DBSIZE counts each node's own keys.
    const sizes = await Promise.all(nodes.map(async (n) => Number((await cli(n.port, ['dbsize'])).trim())));
    expect(sizes.every((size) => size > 0)).toBe(true);
  });

  it('guards registrations and claims SSO states once, through the Cluster client', async () => {
    const guard = createRegistrationGuard(createRedisStore({ redis, keyPrefix: uniquePrefix('guard') }));
    let release!: () => void;
    const first = guard.once('a@example.com', () => new Promise<string>((resolve) => (release = () => resolve('done'))));
    await expect(guard.once('a@example.com', () => Promise.resolve('second'))).rejects.toMatchObject({ code: 'REGISTRATION_IN_PROGRESS' });
    release();
    expect(await first).toBe('done');
    expect(await guard.once('a@example.com', () => Promise.resolve('again'))).toBe('again');

    const used = createUsedStates(redis, uniquePrefix('sso'));
    const states = Array.from({ length: 10 }, () => randomUUID());
    for (const state of states) {
      expect(await used.claim(state, 60_000)).toBe(true);
      expect(await used.claim(state, 60_000)).toBe(false);
    }
  });
});
