// How many session records each encryption key still seals, read from the sealed header of every record
// (its first bytes only, never the ciphertext): ops drop an old key from SESSION_ENCRYPTION_KEYS once it
// seals none. An ops tool (npm run sessions -- key-usage): it SCANs every primary, never on a request path.
import type { RedisClient } from '../redis/connection.js';
import { literalPattern, scanPrimaries } from '../redis/scan-nodes.js';
import { createKeyBuilder } from './keys.js';
import { keyIdOf, sealedKeyId, SEALED_OVERHEAD_BYTES } from './session-crypto.js';

/** The 8-byte version prefix of a stored record (redis-store.ts), before the sealed value. */
const VERSION_BYTES = 8;

export interface KeyUsage {
  /** One entry per configured key, in ring order (the first encrypts). */
  keys: Array<{ position: number; id: string; records: number }>;
  /** Records sealed under a key the ring no longer has (or unreadable headers). */
  unknown: number;
}

export async function countKeyUsage(redis: RedisClient, keyPrefix: string, secrets: readonly string[]): Promise<KeyUsage> {
  const keys = createKeyBuilder(keyPrefix);
  const counts = new Map<string, number>();
  // `{s:*}:rec` matches exactly the record keys the key builder names (keys.ts).
  const pattern = literalPattern(keys.prefix, '{s:*}:rec');
  for await (const batch of scanPrimaries(redis, pattern)) {
    // Only the header of each record (version prefix + sealed header), in one auto-pipelined round.
    const heads = await Promise.all(batch.map((key) => redis.getrangeBuffer(key, 0, VERSION_BYTES + SEALED_OVERHEAD_BYTES - 1)));
    for (const head of heads) {
      // A record that expired between SCAN and GETRANGE reads as empty: not counted.
      if (head.length === 0) continue;
      const id = sealedKeyId(head.subarray(VERSION_BYTES)) ?? 'unknown';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  const ids = secrets.map(keyIdOf);
  const known = new Set(ids);
  const unknown = [...counts].filter(([id]) => !known.has(id)).reduce((n, [, c]) => n + c, 0);
  return { keys: ids.map((id, i) => ({ position: i + 1, id, records: counts.get(id) ?? 0 })), unknown };
}
