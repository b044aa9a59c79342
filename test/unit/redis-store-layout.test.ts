// The Redis adapter's data layout and error mapping, read with a raw client: what the contract suite
// cannot see (record bytes, key expiries, one hash tag per script) but operators and migrations rely on.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../src/redis/connection.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { createRedisStore } from '../../src/sessions/redis-store.js';
import { StoreUnavailableError } from '../../src/sessions/store.js';
import { cleanupPrefix, redisUrl, uniquePrefix } from '../helpers/redis.js';

/** Every key matching `pattern`: SCAN to the end, since other runs may share this Redis. */
async function keysMatching(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...page);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

describe('redis store layout', () => {
  const prefix = uniquePrefix('layout');
  let redis: Redis;
  const store = () => createRedisStore({ redis, keyPrefix: prefix });

  beforeAll(async () => {
    redis = createRedisClient(redisUrl());
    await waitForRedis(redis, 5000);
  });

  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    expect(await keysMatching(redis, `${prefix}*`)).toEqual([]);
    await closeRedis(redis);
  });

  it('keeps a session in hash-tagged keys: rec string (8-byte version + data), side hash, lock, tombstone', async () => {
    const sid = randomUUID();
    const s = store();
    await s.create(sid, Buffer.from('data'), 60_000);
    const base = `${prefix}{s:${sid}}`;
    expect(await redis.type(`${base}:rec`)).toBe('string');
    expect(await redis.getBuffer(`${base}:rec`)).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, ...Buffer.from('data')]));
    await s.compareAndSet(sid, 1, Buffer.from([0xff, 0x00, 0x3a]), 30_000);
    await s.putSide(sid, 'result:x', Buffer.from('side'), 10_000);
    await s.acquireLock(sid, 'owner-1', 5000);
    expect(await redis.getBuffer(`${base}:rec`)).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0x00, 0x3a]));
    expect(await redis.pttl(`${base}:rec`)).toBeGreaterThan(29_000);
    expect(await redis.pttl(`${base}:rec`)).toBeLessThanOrEqual(30_000);
    expect(await redis.get(`${base}:lock`)).toBe('owner-1');
    const side = await redis.hget(`${base}:side`, 'result:x');
    expect(side).toMatch(/^\d{13}:side$/);
    expect(Number(side!.split(':')[0]) - Date.now()).toBeGreaterThan(9000);
    expect(await redis.pttl(`${base}:side`)).toBeGreaterThan(9000);

    await s.destroy(sid, 20_000);
    // Named keys, not a SCAN: a SCAN of a large shared keyspace could outlast a short tombstone.
    const exists = async (suffix: string) => redis.exists(`${base}:${suffix}`);
    expect({ rec: await exists('rec'), side: await exists('side'), lock: await exists('lock'), tomb: await exists('tomb') }).toEqual({
      rec: 0,
      side: 0,
      lock: 1,
      tomb: 1,
    });
    expect(await redis.pttl(`${base}:tomb`)).toBeGreaterThan(10_000);
  });

  it('drops expired side fields when writing, so a busy session cannot grow its side hash forever', async () => {
    const sid = randomUUID();
    const s = store();
    await s.putSide(sid, 'old', Buffer.from('o'), 50);
    await new Promise((resolve) => setTimeout(resolve, 120));
    await s.putSide(sid, 'new', Buffer.from('n'), 10_000);
    expect(await redis.hkeys(`${prefix}{s:${sid}}:side`)).toEqual(['new']);
  });

  it('reads a malformed side field as absent and drops it on the next write, never failing the script', async () => {
    const sid = randomUUID();
    const key = `${prefix}{s:${sid}}:side`;
    const malformed = { none: 'no separator', word: 'soon:v', empty: ':v', nan: 'nan:v', inf: 'inf:v', hex: '0x:v' };
    await redis.hset(key, malformed);
    await redis.pexpire(key, 60_000);
    const s = store();
    for (const name of Object.keys(malformed)) expect(await s.getSide(sid, name), name).toBeNull();
    await s.putSide(sid, 'fresh', Buffer.from('f'), 10_000);
    expect(await redis.hkeys(key)).toEqual(['fresh']);
    expect(await s.getSide(sid, 'fresh')).toEqual(Buffer.from('f'));
  });

  it('prunes the customer index by the Redis clock (TIME), not by a caller clock', async () => {
    const customer = randomUUID();
    const key = `${prefix}{c:${customer}}:idx`;
    const [seconds, micros] = await redis.time();
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    // Written raw, so only indexList can prune it.
    await redis.zadd(key, redisNow - 1, 'past', redisNow + 60_000, 'live');
    expect(await store().indexList(customer)).toEqual(['live']);
    expect(await redis.zrange(key, 0, -1)).toEqual(['live']);
  });

  it('runs its scripts as ioredis commands defined once on the shared client', async () => {
    const names = ['Create', 'CompareAndSet', 'Destroy', 'RenewLock', 'ReleaseLock', 'PutSide', 'GetSide', 'IndexAdd', 'IndexList'];
    store();
    store();
    const client = redis as unknown as Record<string, unknown> & { scriptsSet: Record<string, unknown> };
    for (const name of names) {
      expect(typeof client[`bffSession${name}`]).toBe('function');
      expect(typeof client[`bffSession${name}Buffer`]).toBe('function');
    }
    expect(Object.keys(client.scriptsSet).filter((name) => name.startsWith('bffSession'))).toHaveLength(names.length);
  });

  it('keeps the customer index in its own slot, expiring at its highest score', async () => {
    const customer = randomUUID();
    const s = store();
    const now = Date.now();
    await s.indexAdd(customer, 'a', now + 20_000);
    await s.indexAdd(customer, 'b', now + 50_000);
    await s.indexAdd(customer, 'c', now + 30_000);
    const key = `${prefix}{c:${customer}}:idx`;
    expect(await redis.zrange(key, 0, -1)).toEqual(['a', 'c', 'b']);
    const pttl = await redis.pttl(key);
    expect(pttl).toBeGreaterThan(48_000);
    expect(pttl).toBeLessThanOrEqual(50_000);
  });

  it('reads the version from the 8-byte big-endian prefix, so a record can be read and written past 2^32', async () => {
    const sid = randomUUID();
    const big = 2 ** 40 + 5;
    const prefixBytes = Buffer.alloc(8);
    prefixBytes.writeBigUInt64BE(BigInt(big));
    await redis.set(`${prefix}{s:${sid}}:rec`, Buffer.concat([prefixBytes, Buffer.from('x')]), 'PX', 60_000);
    const s = store();
    expect(await s.get(sid)).toEqual({ value: Buffer.from('x'), version: big });
    expect(await s.compareAndSet(sid, big - 256, Buffer.from('stale'), 60_000)).toBe('conflict');
    expect(await s.compareAndSet(sid, big, Buffer.from('y'), 60_000)).toBe('ok');
    expect(await s.get(sid)).toEqual({ value: Buffer.from('y'), version: big + 1 });
  });

  it('refuses a record shorter than its version prefix as a store error, not as data', async () => {
    const sid = randomUUID();
    await redis.set(`${prefix}{s:${sid}}:rec`, 'short', 'PX', 60_000);
    const err: unknown = await store()
      .get(sid)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(((err as Error).cause as Error).message).toMatch(/version prefix/);
  });

  it('maps Redis errors to StoreUnavailableError with a generic message and the cause kept', async () => {
    const sid = randomUUID();
    await redis.hset(`${prefix}{s:${sid}}:rec`, 'v', '1', 'd', 'old hash layout');
    const err: unknown = await store()
      .get(sid)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toBe('session store unavailable (get)');
    expect(((err as Error).cause as Error).message).toMatch(/WRONGTYPE/);
  });

  it('leaves the client open on close', async () => {
    const s = store();
    await s.close();
    await s.close();
    expect(redis.status).toBe('ready');
    expect(await redis.ping()).toBe('PONG');
  });
});
