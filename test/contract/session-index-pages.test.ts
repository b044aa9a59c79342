// The bounded index reads added for issue 15 (indexPage, indexSize), against both adapters: live ids
// only, by ascending expiry, paged by offset, and read-only.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/sessions/memory-store.js';
import { createRedisClient } from '../../src/redis/connection.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { createRedisStore } from '../../src/sessions/redis-store.js';
import type { SessionStore } from '../../src/sessions/store.js';
import { cleanupPrefix, redisUrl, uniquePrefix } from '../helpers/redis.js';

function describePages(name: string, store: () => SessionStore): void {
  describe(`index pages: ${name}`, () => {
    it('pages through live ids by ascending expiry and counts them, skipping expired ones', async () => {
      const s = store();
      const customer = randomUUID();
      const now = Date.now();
      await s.indexAdd(customer, 'c', now + 30_000);
      await s.indexAdd(customer, 'a', now + 10_000);
      await s.indexAdd(customer, 'b', now + 20_000);
      await s.indexAdd(customer, 'd', now + 40_000);
      expect(await s.indexPage(customer, now, 0, 2)).toEqual(['a', 'b']);
      expect(await s.indexPage(customer, now, 2, 2)).toEqual(['c', 'd']);
      expect(await s.indexPage(customer, now, 4, 2)).toEqual([]);
      expect(await s.indexSize(customer, now)).toBe(4);
      // As of a later instant the first two are expired; they are skipped, not deleted.
      expect(await s.indexPage(customer, now + 20_000, 0, 10)).toEqual(['c', 'd']);
      expect(await s.indexSize(customer, now + 20_000)).toBe(2);
      expect(await s.indexList(customer)).toEqual(['a', 'b', 'c', 'd']);
      expect(await s.indexSize(randomUUID(), now)).toBe(0);
    });

    it('rejects a bad offset or count as a caller bug', async () => {
      const s = store();
      await expect(s.indexPage('x', Date.now(), -1, 2)).rejects.toThrow(RangeError);
      await expect(s.indexPage('x', Date.now(), 0, 0)).rejects.toThrow(RangeError);
    });
  });
}

describePages('memory', () => createMemoryStore());

describe('redis', () => {
  const prefix = uniquePrefix('index-pages');
  let redis: Redis;
  beforeAll(async () => {
    redis = createRedisClient(redisUrl());
    await waitForRedis(redis, 5000);
  });
  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await closeRedis(redis);
  });
  describePages('redis', () => createRedisStore({ redis, keyPrefix: prefix }));
});
