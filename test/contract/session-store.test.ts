// Runs the one SessionStore contract against the memory adapter and against real Redis (this file's own
// key prefix, removed by prefix afterwards).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { createMemoryStore } from '../../src/sessions/memory-store.js';
import { closeRedis, createRedisConnection, waitForRedis } from '../../src/sessions/redis-connection.js';
import { createRedisStore } from '../../src/sessions/redis-store.js';
import { cleanupPrefix, redisUrl, uniquePrefix } from '../helpers/redis.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memory', () => createMemoryStore());

describe('redis', () => {
  const prefix = uniquePrefix('contract');
  let redis: Redis;

  beforeAll(async () => {
    redis = createRedisConnection(redisUrl());
    await waitForRedis(redis, 5000);
  });

  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await closeRedis(redis);
  });

  describeStoreContract('redis', () => createRedisStore({ redis, keyPrefix: prefix }));
});
