// CredentialStore over the service's ioredis client. A record is a hash `<prefix>{m:<id>}:cred` with the
// fields v (sealed hash), f (format) and m (migrated at); its own hash tag, so it never shares a slot
// decision with sessions. Every Redis failure surfaces as StoreUnavailableError.
import type { RedisClient } from '../redis/connection.js';
import { scanPrimaries } from '../redis/scan-nodes.js';
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

export function createRedisCredentialStore(options: { redis: RedisClient; keyPrefix?: string }): CredentialStore {
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
        // Commands, not a MULTI/pipeline: records sit in different slots on a Cluster, and the client's
        // auto-pipelining still sends each node's share in one write.
        const added = await Promise.all(entries.map((e) => redis.hset(key(e.id), 'v', e.sealed, 'f', e.format)));
        const created = added.filter((n) => n === 2).length;
        return { created, updated: entries.length - created };
      }),
    markMigrated: (id, atMs) => guard('mark', async () => (await markScript.run(redis, [key(id)], [String(atMs)])) === 1),
    async *summaries() {
      // Every primary of a Cluster (scanPrimaries); ops tools only, never a request path.
      const batches = scanPrimaries(redis, `${globEscape(prefix)}{m:*}:cred`, 1000);
      for (;;) {
        const next = await guard('scan', () => batches.next());
        if (next.done === true) return;
        const keys = next.value;
        const replies = await guard('scan', () => Promise.all(keys.map((k) => redis.hmget(k, 'f', 'm'))));
        const page: CredentialSummary[] = [];
        replies.forEach(([format, migrated], i) => {
          if (format) page.push({ id: idOf(keys[i]!), format, migrated: migrated !== null && migrated !== undefined });
        });
        yield page;
      }
    },
    deleteMany: (ids) =>
      guard('delete', async () => {
        if (ids.length === 0) return 0;
        // One DEL per key: each record is its own slot in a cluster.
        const deleted = await Promise.all(ids.map((id) => redis.del(key(id))));
        return deleted.reduce((sum, n) => sum + n, 0);
      }),
    getDummy: () => guard('get', () => redis.get(dummyKey)),
    setDummy: (hash) => guard('put', async () => void (await redis.set(dummyKey, hash))),
    close: async () => undefined,
  };
}
