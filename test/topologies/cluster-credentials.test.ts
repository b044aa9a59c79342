// The legacy-password records (customer migration) on a real 3-primary Redis Cluster: the whole
// CredentialStore contract, then many records spread over every primary, each in its own slot, and the ops
// walks (summaries, --stats, --purge-migrated) reaching all of them node by node, never a cross-slot command.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { credentialStats, purgeMigrated } from '../../src/migration/credential-admin.js';
import { createRedisCredentialStore } from '../../src/migration/credential-store-redis.js';
import { createRedisClient, type RedisClient } from '../../src/redis/connection.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { parseHostPorts } from '../../src/redis/target.js';
import { describeCredentialStoreContract } from '../contract/credential-store-contract.js';
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

/** SCAN on one node for `pattern` (never KEYS): how many of the records that node holds. */
async function countOn(port: number, pattern: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, ...keys] = (await cli(port, ['scan', cursor, 'match', pattern, 'count', '1000'])).trim().split('\n');
    cursor = next!;
    count += keys.filter(Boolean).length;
  } while (cursor !== '0');
  return count;
}

describe('on a Redis Cluster', () => {
  describeCredentialStoreContract('redis cluster', async () =>
    createRedisCredentialStore({ redis, keyPrefix: uniquePrefix('cred-cluster') }),
  );

  it('spreads records over every primary; summaries, stats and purge reach all of them', async () => {
    const prefix = uniquePrefix('cred-spread');
    const store = createRedisCredentialStore({ redis, keyPrefix: prefix });
    const ids = Array.from({ length: 60 }, (_, i) => `c${i}`);
    expect(await store.putMany(ids.map((id) => ({ id, sealed: Buffer.from(id), format: 'bcrypt' })))).toEqual({ created: 60, updated: 0 });
    const migrated = ids.filter((_, i) => i % 3 === 0);
    for (const [i, id] of migrated.entries()) expect(await store.markMigrated(id, i + 1)).toBe(true);
    await store.setDummy('$2b$10$dummy');

    // Every primary holds some records: a walk that asked one node only would miss the others.
    const perNode = await Promise.all(nodes.map((n) => countOn(n.port, `${prefix}{m:*}:cred`)));
    expect(perNode.every((n) => n > 0)).toBe(true);
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(60);

    const seen: string[] = [];
    for await (const page of store.summaries()) seen.push(...page.map((s) => s.id));
    expect(seen.sort()).toEqual([...ids].sort());
    expect(await credentialStats(store)).toEqual({
      total: 60,
      migrated: 20,
      pending: 40,
      byFormat: { bcrypt: { migrated: 20, pending: 40 } },
    });

    expect(await purgeMigrated(store)).toBe(20);
    expect(await credentialStats(store)).toMatchObject({ total: 40, migrated: 0, pending: 40 });
    for (const id of migrated) expect(await store.get(id)).toBeNull();
    expect(await store.deleteMany(ids)).toBe(40);
    expect(await store.getDummy()).toBe('$2b$10$dummy');
  });
});
