// One suite for both credential-store adapters (Redis, memory): records in and out as copies, create vs
// update counted, the migrated mark kept across re-imports and never recreating a deleted record, pages of
// summaries, deletes, the dummy. The Redis one on the service's own connection factory (auto-pipelining).
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryCredentialStore } from '../../src/migration/credential-store-memory.js';
import { createRedisCredentialStore } from '../../src/migration/credential-store-redis.js';
import type { CredentialStore } from '../../src/migration/credential-store.js';
import { createRedisClient } from '../../src/redis/connection.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { cleanupPrefix, createTestRedis, redisUrl, uniquePrefix } from '../helpers/redis.js';

const prefix = uniquePrefix('cred');
const redis = createRedisClient(redisUrl());
afterAll(async () => {
  const cleaner = createTestRedis();
  await cleanupPrefix(cleaner, prefix);
  cleaner.disconnect();
  await closeRedis(redis);
});

const adapters: [string, () => Promise<CredentialStore>][] = [
  ['memory', async () => createMemoryCredentialStore()],
  [
    'redis',
    async () => {
      await waitForRedis(redis, 3_000);
      return createRedisCredentialStore({ redis, keyPrefix: `${prefix}${Math.random().toString(36).slice(2)}:` });
    },
  ],
];

describe.each(adapters)('%s credential store', (_name, make) => {
  it('creates, then updates, and keeps the migrated mark across a re-import', async () => {
    const store = await make();
    expect(
      await store.putMany([
        { id: 'a', sealed: Buffer.from('one'), format: 'bcrypt' },
        { id: 'b', sealed: Buffer.from('two'), format: 'phpass' },
      ]),
    ).toEqual({
      created: 2,
      updated: 0,
    });
    expect(await store.markMigrated('a', 1234)).toBe(true);
    expect(await store.putMany([{ id: 'a', sealed: Buffer.from('three'), format: 'argon2' }])).toEqual({ created: 0, updated: 1 });
    const a = await store.get('a');
    expect(a?.sealed.toString()).toBe('three');
    expect(a).toMatchObject({ format: 'argon2', migratedAt: 1234 });
    expect((await store.get('b'))?.migratedAt).toBeUndefined();
    expect(await store.get('missing')).toBeNull();
  });

  it('never recreates a deleted record when marking it', async () => {
    const store = await make();
    await store.putMany([{ id: 'gone', sealed: Buffer.from('x'), format: 'bcrypt' }]);
    expect(await store.deleteMany(['gone', 'never'])).toBe(1);
    expect(await store.markMigrated('gone', 1)).toBe(false);
    expect(await store.get('gone')).toBeNull();
  });

  it('lists summaries and keeps the dummy', async () => {
    const store = await make();
    await store.putMany([
      { id: 'p', sealed: Buffer.from('x'), format: 'bcrypt' },
      { id: 'q', sealed: Buffer.from('y'), format: 'bcrypt' },
    ]);
    await store.markMigrated('q', 5);
    const all = [];
    for await (const page of store.summaries()) all.push(...page);
    expect(all.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'p', format: 'bcrypt', migrated: false },
      { id: 'q', format: 'bcrypt', migrated: true },
    ]);
    expect(await store.getDummy()).toBeNull();
    await store.setDummy('$2b$10$dummy');
    expect(await store.getDummy()).toBe('$2b$10$dummy');
  });
});

it('marks records on a fresh auto-pipelining connection while other commands share its first write', async () => {
  // ioredis builds an auto-pipeline per tick; a script command first defined while one is open was
  // missing from it, and the reply handling threw out of the process (found by the validation bench).
  const fresh = createRedisClient(redisUrl());
  await waitForRedis(fresh, 3_000);
  const store = createRedisCredentialStore({ redis: fresh, keyPrefix: `${prefix}fresh:` });
  await store.putMany(Array.from({ length: 20 }, (_, i) => ({ id: `m${i}`, sealed: Buffer.from('x'), format: 'bcrypt' })));
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => (i % 2 ? store.markMigrated(`m${i}`, i + 1) : store.get(`m${i}`).then(Boolean))),
  );
  expect(results.every(Boolean)).toBe(true);
  await closeRedis(fresh);
});
