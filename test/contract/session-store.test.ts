// Runs the one SessionStore contract against the memory adapter (on a fake clock) and against real Redis
// (this file's own key prefix, removed by prefix afterwards), where expiry is Redis's own and takes real time.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { createMemoryStore } from '../../src/sessions/memory-store.js';
import { createRedisClient } from '../../src/redis/connection.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { createRedisStore } from '../../src/sessions/redis-store.js';
import { cleanupPrefix, redisUrl, uniquePrefix } from '../helpers/redis.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memory', () => {
  let clock = Date.now();
  return {
    store: createMemoryStore({ now: () => clock }),
    time: { ttlMs: 1_000, elapse: async (ms) => void (clock += ms), now: () => clock },
  };
});

describe('redis', () => {
  const prefix = uniquePrefix('contract');
  let redis: Redis;

  beforeAll(async () => {
    redis = createRedisClient(redisUrl());
    await waitForRedis(redis, 5000);
  });

  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await closeRedis(redis);
  });

  // A second of margin for every "still there" check: enough for a loaded two-core CI machine.
  describeStoreContract('redis', () => ({
    store: createRedisStore({ redis, keyPrefix: prefix }),
    time: { ttlMs: 1_000, elapse: (ms) => sleep(ms), now: () => Date.now() },
  }));
});
