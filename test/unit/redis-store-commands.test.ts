// The store's Lua scripts are ioredis custom commands: ioredis, not the store, recovers from an emptied
// script cache (NOSCRIPT), also for auto-pipelined calls and binary replies; and a command name that
// another script already holds on the client is refused when the store is built, not on a request.
// A private redis-server, because SCRIPT FLUSH empties the cache of every client of a server.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../src/redis/connection.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { createRedisStore } from '../../src/sessions/redis-store.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis.js';

describe('redis store scripts as commands', () => {
  let server: PrivateRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await startPrivateRedis();
    redis = createRedisClient(server.url);
    await waitForRedis(redis, 5000);
  });

  afterAll(async () => {
    await closeRedis(redis);
    await server.stop();
  });

  it('keeps working after SCRIPT FLUSH, in parallel and with binary replies', async () => {
    const store = createRedisStore({ redis, keyPrefix: 'flush:' });
    const sids = Array.from({ length: 20 }, () => randomUUID());
    const binary = Buffer.from([0, 0x3a, 0xff, 0x0a]);
    // Run each script once first: ioredis then sends only EVALSHA on this connection.
    await Promise.all(sids.map((sid) => store.create(sid, Buffer.from('v1'), 60_000)));
    await Promise.all(sids.map((sid) => store.putSide(sid, 'n', binary, 60_000)));
    expect(await store.compareAndSet(sids[0]!, 1, Buffer.from('v2'), 60_000)).toBe('ok');
    expect(await store.getSide(sids[0]!, 'n')).toEqual(binary);
    await redis.script('FLUSH');
    expect(await redis.script('EXISTS', ...scriptShas())).toEqual([0, 0]);

    // Every command at once: they share one auto-pipelined write, and each meets NOSCRIPT.
    const results = await Promise.all(sids.map((sid, i) => store.compareAndSet(sid, i === 0 ? 2 : 1, Buffer.from('v3'), 60_000)));
    expect(results).toEqual(sids.map(() => 'ok'));
    await redis.script('FLUSH');
    const sides = await Promise.all(sids.map((sid) => store.getSide(sid, 'n')));
    expect(sides).toEqual(sids.map(() => binary));
    // ioredis loaded the script again by itself (the compare-and-set has not run since the flush).
    expect(await redis.script('EXISTS', ...scriptShas())).toEqual([0, 1]);
  });

  it('refuses a command name that another script holds on the client', async () => {
    const other = createRedisClient(server.url);
    try {
      await waitForRedis(other, 5000);
      other.defineCommand('bffSessionCreate', { numberOfKeys: 1, lua: "return 'not ours'" });
      expect(() => createRedisStore({ redis: other })).toThrow(/bffSessionCreate already exists/);
      // A store on a client that has the same scripts already is fine: definitions are shared.
      expect(() => createRedisStore({ redis })).not.toThrow();
    } finally {
      await closeRedis(other);
    }
  });

  /** The SHA of two of the store's scripts, as ioredis computed them. */
  function scriptShas(): string[] {
    const scripts = (redis as unknown as { scriptsSet: Record<string, { sha: string }> }).scriptsSet;
    return [scripts.bffSessionCompareAndSet!.sha, scripts.bffSessionGetSide!.sha];
  }
});
