// CredentialStore over the service's ioredis client. A record is a hash `<prefix>{m:<id>}:cred` with the
// fields v (sealed hash), f (format) and m (migrated at); its own hash tag, so it never shares a slot
// decision with sessions. Every Redis failure surfaces as StoreUnavailableError.
import type { Redis } from 'ioredis';
import { luaScript } from '../sessions/lua-script.js';
import { StoreUnavailableError } from '../sessions/store.js';
import type { CredentialStore, CredentialSummary, StoredCredential } from './credential-store.js';

const markScript = luaScript(
  'bffCredentialMarkMigrated',
  `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSETNX', KEYS[1], 'm', ARGV[1])
return 1`,
  { keys: 1 },
);

async function guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new StoreUnavailableError(`credential store ${operation} failed`, { cause: error });
  }
}

/** Escapes Redis glob characters, so a prefix matches only itself in SCAN. */
const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

export function createRedisCredentialStore(options: { redis: Redis; keyPrefix?: string }): CredentialStore {
  const { redis } = options;
  // Defined now, before any traffic: with auto-pipelining on, a command defined while ioredis holds a
  // pipeline of its own is missing from that pipeline and the reply handling throws (the bench found it).
  markScript.define(redis);
  const prefix = options.keyPrefix ?? 'bff:';
  if (/[{}]/.test(prefix)) throw new TypeError('key prefix must be a string without braces');
  const key = (id: string): string => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new TypeError('credential id must be base64url');
    return `${prefix}{m:${id}}:cred`;
  };
  const dummyKey = `${prefix}{m:dummy}:meta`;
  const idOf = (k: string): string => k.slice(prefix.length + 3, k.length - '}:cred'.length);

  return {
    get: (id) =>
      guard('get', async () => {
        const [value, format, migrated] = await redis.hmgetBuffer(key(id), 'v', 'f', 'm');
        if (!value || !format) return null;
        const stored: StoredCredential = { sealed: Buffer.from(value), format: format.toString(), migratedAt: undefined };
        if (migrated) stored.migratedAt = Number(migrated.toString());
        return stored;
      }),
    putMany: (entries) =>
      guard('put', async () => {
        if (entries.length === 0) return { created: 0, updated: 0 };
        const pipeline = redis.pipeline();
        for (const e of entries) pipeline.hset(key(e.id), 'v', e.sealed, 'f', e.format);
        const results = (await pipeline.exec()) ?? [];
        let created = 0;
        for (const [error, added] of results) {
          if (error) throw error;
          if (added === 2) created += 1;
        }
        return { created, updated: entries.length - created };
      }),
    markMigrated: (id, atMs) => guard('mark', async () => (await markScript.run(redis, [key(id)], [String(atMs)])) === 1),
    async *summaries() {
      let cursor = '0';
      do {
        const [next, keys] = await guard('scan', () => redis.scan(cursor, 'MATCH', `${globEscape(prefix)}{m:*}:cred`, 'COUNT', 1000));
        cursor = next;
        if (keys.length === 0) continue;
        const pipeline = redis.pipeline();
        for (const k of keys) pipeline.hmget(k, 'f', 'm');
        const results = await guard('scan', async () => (await pipeline.exec()) ?? []);
        const page: CredentialSummary[] = [];
        results.forEach(([error, reply], i) => {
          const [format, migrated] = (reply ?? []) as (string | null)[];
          if (!error && format) page.push({ id: idOf(keys[i]!), format, migrated: migrated !== null && migrated !== undefined });
        });
        yield page;
      } while (cursor !== '0');
    },
    deleteMany: (ids) =>
      guard('delete', async () => {
        if (ids.length === 0) return 0;
        // One DEL per key: each record is its own slot in a cluster.
        const pipeline = redis.pipeline();
        for (const id of ids) pipeline.del(key(id));
        const results = (await pipeline.exec()) ?? [];
        return results.reduce((sum, [error, deleted]) => sum + (error ? 0 : Number(deleted)), 0);
      }),
    getDummy: () => guard('get', () => redis.get(dummyKey)),
    setDummy: (hash) => guard('put', async () => void (await redis.set(dummyKey, hash))),
    close: async () => undefined,
  };
}
