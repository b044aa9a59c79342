// The CredentialStore contract (credential-store-contract.ts) for both adapters (memory, Redis on one node),
// the Redis one on the service's own connection factory (auto-pipelining).
import { afterAll, expect, it } from 'vitest';
import { createMemoryCredentialStore } from '../../src/migration/credential-store-memory.js';
import { createRedisCredentialStore } from '../../src/migration/credential-store-redis.js';
import type { CredentialStore } from '../../src/migration/credential-store.js';
import { createRedisClient } from '../../src/redis/connection.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { describeCredentialStoreContract } from './credential-store-contract.js';
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

for (const [name, make] of adapters) describeCredentialStoreContract(name, make);

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
