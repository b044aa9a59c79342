// Walking every key under a pattern on every primary, for ops tools only (the sessions CLI's key-usage):
// SCAN in batches, node by node on a Cluster. Never called on a request path.
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './connection.js';

/** A Redis glob matching `prefix` literally, followed by `rest` (a glob). */
export function literalPattern(prefix: string, rest: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}${rest}`;
}

/** Every key matching `pattern` on every primary, in batches (a key may repeat while slots move). */
export async function* scanPrimaries(redis: RedisClient, pattern: string, count = 500): AsyncGenerator<string[]> {
  const nodes: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (batch.length > 0) yield batch;
    } while (cursor !== '0');
  }
}
