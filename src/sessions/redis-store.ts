// SessionStore over an ioredis client that the caller creates and closes; every Redis failure surfaces
// as StoreUnavailableError, never as "no session". The scripts are ioredis commands (redis-scripts.ts),
// defined once on the client and shared by every store on it.
import type { RedisClient } from '../redis/connection.js';
import { bytesArg, countArg, nameArg, timeArg, ttlArg, versionArg } from './args.js';
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
  SESSION_SCRIPTS,
} from './redis-scripts.js';
import type { CasResult, SessionStore, StoredValue } from './store.js';
import { StoreUnavailableError } from './store.js';

export interface RedisStoreOptions {
  /** Created and closed by the caller (src/redis/); the store never quits it. One node, Sentinel or Cluster. */
  redis: RedisClient;
  /** Prefix of every key, default `bff:`; tests use a unique one per file. */
  keyPrefix?: string;
}

function asCasResult(reply: unknown): CasResult {
  if (reply === 'ok' || reply === 'conflict' || reply === 'missing') return reply;
  throw new Error('unexpected reply from compare-and-set script');
}

const VERSION_BYTES = 8;

/** The record's version prefix: 8 bytes, unsigned big-endian. */
function versionPrefix(version: number): Buffer {
  const prefix = Buffer.alloc(VERSION_BYTES);
  prefix.writeBigUInt64BE(BigInt(version));
  return prefix;
}

function asVersioned(reply: Buffer): StoredValue {
  if (reply.length < VERSION_BYTES) throw new Error('session record is shorter than its version prefix');
  // A copy of the data, not a view into the reply (which may share the client's read buffer).
  return { value: Buffer.from(reply.subarray(VERSION_BYTES)), version: Number(reply.readBigUInt64BE(0)) };
}

function asBufferOrNull(reply: unknown): Buffer | null {
  if (reply === null) return null;
  // Copied for the same reason as the record: a reply may be a view into the client's read buffer.
  if (Buffer.isBuffer(reply)) return Buffer.from(reply);
  throw new Error('unexpected reply from side-record script');
}

function asStringList(reply: unknown): string[] {
  if (Array.isArray(reply) && reply.every((item) => typeof item === 'string')) return reply;
  throw new Error('unexpected reply from index script');
}

/**
 * Data layout (all keys of one session share the `{s:<sid>}` hash tag):
 * `rec` string = version (8 bytes, unsigned big-endian) followed by the data bytes, with PX ttl (one
 * string rather than a hash {v, d}, which past hash-max-listpack-value becomes a hashtable: ~150 B more);
 * `tomb` string with PX; `lock` string = owner with PX;
 * `side` hash {name: "<expiresAtMs>:<value bytes>"} expiring with its longest field; the per-customer
 * `{c:<key>}:idx` sorted set scored by expiry, with the key's own expiry at its highest score.
 */
export function createRedisStore({ redis, keyPrefix }: RedisStoreOptions): SessionStore {
  const keys = createKeyBuilder(keyPrefix);
  // Defined up front, so a command name another module took on this client fails here, not per request.
  for (const script of SESSION_SCRIPTS) script.define(redis);
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
      const a = [Buffer.concat([versionPrefix(1), bytesArg(value, 'value')]), ttlArg(ttlMs)];
      return (await call('create', () => createScript.run(redis, k, a))) === 1;
    },

    async get(sid): Promise<StoredValue | null> {
      const key = keys.record(sid);
      return call('get', async () => {
        const reply = await redis.getBuffer(key);
        return reply === null ? null : asVersioned(reply);
      });
    },

    async compareAndSet(sid, expectedVersion, value, ttlMs) {
      const k = [keys.record(sid)];
      const expected = versionArg(expectedVersion);
      const a = [versionPrefix(expected), Buffer.concat([versionPrefix(expected + 1), bytesArg(value, 'value')]), ttlArg(ttlMs)];
      return call('compareAndSet', async () => asCasResult(await compareAndSetScript.run(redis, k, a)));
    },

    async destroy(sid, tombstoneMs) {
      const k = [keys.record(sid), keys.sides(sid), keys.tombstone(sid)];
      const a = [ttlArg(tombstoneMs, 'tombstoneMs')];
      return (await call('destroy', () => destroyScript.run(redis, k, a))) === 1;
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
      return (await call('renewLock', () => renewLockScript.run(redis, k, a))) === 1;
    },

    async releaseLock(sid, owner) {
      const k = [keys.lock(sid)];
      const a = [nameArg(owner, 'owner')];
      await call('releaseLock', () => releaseLockScript.run(redis, k, a));
    },

    async putSide(sid, name, value, ttlMs) {
      const k = [keys.tombstone(sid), keys.sides(sid)];
      const a = [nameArg(name, 'name'), bytesArg(value, 'value'), ttlArg(ttlMs)];
      await call('putSide', () => putSideScript.run(redis, k, a));
    },

    async getSide(sid, name) {
      const k = [keys.sides(sid)];
      const a = [nameArg(name, 'name')];
      return call('getSide', async () => asBufferOrNull(await getSideScript.run(redis, k, a)));
    },

    async indexAdd(customerKey, sid, expiresAtMs) {
      const k = [keys.index(customerKey)];
      const a = [nameArg(sid, 'sid'), timeArg(expiresAtMs, 'expiresAtMs')];
      await call('indexAdd', () => indexAddScript.run(redis, k, a));
    },

    async indexRemove(customerKey, sid) {
      const key = keys.index(customerKey);
      const member = nameArg(sid, 'sid');
      await call('indexRemove', () => redis.zrem(key, member));
    },

    async indexList(customerKey) {
      const k = [keys.index(customerKey)];
      const a: string[] = [];
      return call('indexList', async () => asStringList(await indexListScript.run(redis, k, a)));
    },

    // --- issue 15: bounded index reads; expired entries are skipped here and pruned by indexAdd/indexList ---
    async indexPage(customerKey, nowMs, offset, count) {
      const key = keys.index(customerKey);
      const after = `(${timeArg(nowMs, 'nowMs')}`;
      const [start, size] = [countArg(offset, 'offset', 0), countArg(count, 'count', 1)];
      return call('indexPage', async () => asStringList(await redis.zrangebyscore(key, after, '+inf', 'LIMIT', start, size)));
    },

    async indexSize(customerKey, nowMs) {
      const key = keys.index(customerKey);
      const after = `(${timeArg(nowMs, 'nowMs')}`;
      return call('indexSize', () => redis.zcount(key, after, '+inf'));
    },
    // --- end issue 15 ---

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
