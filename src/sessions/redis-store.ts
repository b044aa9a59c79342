// SessionStore over an ioredis client that the caller creates and closes; every Redis failure surfaces
// as StoreUnavailableError, never as "no session".
import type { Redis } from 'ioredis';
import { nameArg, textArg, timeArg, ttlArg, versionArg } from './args.js';
import { createKeyBuilder } from './keys.js';
import {
  compareAndSetScript,
  createScript,
  destroyScript,
  getSideScript,
  indexAddScript,
  indexListScript,
  putSideScript,
  releaseLockScript,
  renewLockScript,
} from './redis-scripts.js';
import type { CasResult, SessionStore, StoredValue } from './store.js';
import { StoreUnavailableError } from './store.js';

export interface RedisStoreOptions {
  /** Created and closed by the caller (see redis-connection.ts); the store never quits it. */
  redis: Redis;
  /** Prefix of every key, default `bff:`; tests use a unique one per file. */
  keyPrefix?: string;
}

function asCasResult(reply: unknown): CasResult {
  if (reply === 'ok' || reply === 'conflict' || reply === 'missing') return reply;
  throw new Error('unexpected reply from compare-and-set script');
}

function asStringList(reply: unknown): string[] {
  if (Array.isArray(reply) && reply.every((item) => typeof item === 'string')) return reply;
  throw new Error('unexpected reply from index script');
}

/**
 * Data layout (all keys of one session share the `{s:<sid>}` hash tag):
 * `rec` hash {v: version, d: data} with PX ttl; `tomb` string with PX; `lock` string = owner with PX;
 * `side` hash {name: "<expiresAtMs>:<value>"} expiring with its longest field; the per-customer
 * `{c:<key>}:idx` sorted set scored by expiry, with the key's own expiry at its highest score.
 */
export function createRedisStore({ redis, keyPrefix }: RedisStoreOptions): SessionStore {
  const keys = createKeyBuilder(keyPrefix);
  let closed = false;

  // Messages stay generic (no keys, no ids); the ioredis error is kept as `cause` for the logs.
  async function call<T>(op: string, run: () => Promise<T>): Promise<T> {
    if (closed) throw new StoreUnavailableError('session store is closed');
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(`session store unavailable (${op})`, { cause: err });
    }
  }

  return {
    async create(sid, value, ttlMs) {
      const k = [keys.record(sid), keys.tombstone(sid)];
      const a = [textArg(value, 'value'), ttlArg(ttlMs)];
      return (await call('create', () => createScript(redis, k, a))) === 1;
    },

    async get(sid): Promise<StoredValue | null> {
      const key = keys.record(sid);
      const [v, d] = await call('get', () => redis.hmget(key, 'v', 'd'));
      if (v === null || v === undefined || d === null || d === undefined) return null;
      return { value: d, version: Number(v) };
    },

    async compareAndSet(sid, expectedVersion, value, ttlMs) {
      const k = [keys.record(sid)];
      const a = [String(versionArg(expectedVersion)), textArg(value, 'value'), ttlArg(ttlMs)];
      return call('compareAndSet', async () => asCasResult(await compareAndSetScript(redis, k, a)));
    },

    async destroy(sid, tombstoneMs) {
      const k = [keys.record(sid), keys.sides(sid), keys.tombstone(sid)];
      const a = [ttlArg(tombstoneMs, 'tombstoneMs')];
      return (await call('destroy', () => destroyScript(redis, k, a))) === 1;
    },

    async isTombstoned(sid) {
      const key = keys.tombstone(sid);
      return (await call('isTombstoned', () => redis.exists(key))) === 1;
    },

    async acquireLock(sid, owner, ttlMs) {
      const key = keys.lock(sid);
      const args = [nameArg(owner, 'owner'), ttlArg(ttlMs)] as const;
      return (await call('acquireLock', () => redis.set(key, args[0], 'PX', args[1], 'NX'))) === 'OK';
    },

    async renewLock(sid, owner, ttlMs) {
      const k = [keys.lock(sid)];
      const a = [nameArg(owner, 'owner'), ttlArg(ttlMs)];
      return (await call('renewLock', () => renewLockScript(redis, k, a))) === 1;
    },

    async releaseLock(sid, owner) {
      const k = [keys.lock(sid)];
      const a = [nameArg(owner, 'owner')];
      await call('releaseLock', () => releaseLockScript(redis, k, a));
    },

    async putSide(sid, name, value, ttlMs) {
      const k = [keys.tombstone(sid), keys.sides(sid)];
      const a = [nameArg(name, 'name'), textArg(value, 'value'), ttlArg(ttlMs)];
      await call('putSide', () => putSideScript(redis, k, a));
    },

    async getSide(sid, name) {
      const k = [keys.sides(sid)];
      const a = [nameArg(name, 'name')];
      const reply = await call('getSide', () => getSideScript(redis, k, a));
      return typeof reply === 'string' ? reply : null;
    },

    async indexAdd(customerKey, sid, expiresAtMs) {
      const k = [keys.index(customerKey)];
      const a = [nameArg(sid, 'sid'), timeArg(expiresAtMs, 'expiresAtMs')];
      await call('indexAdd', () => indexAddScript(redis, k, a));
    },

    async indexRemove(customerKey, sid) {
      const key = keys.index(customerKey);
      const member = nameArg(sid, 'sid');
      await call('indexRemove', () => redis.zrem(key, member));
    },

    async indexList(customerKey, nowMs) {
      const k = [keys.index(customerKey)];
      const a = [timeArg(nowMs, 'nowMs')];
      return call('indexList', async () => asStringList(await indexListScript(redis, k, a)));
    },

    async ping() {
      await call('ping', () => redis.ping());
    },

    /** Idempotent; later calls reject. Does not quit the client: whoever created it closes it. */
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
