// The server-side half of "single-use": a state is claimed once, atomically, before its code is
// exchanged. The signed cookie alone cannot stop a replay of a captured callback URL plus cookie, so
// a marker lives in Redis (SET NX PX, shared by every instance) or, without Redis, in a bounded LRU.
import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/connection.js';
import { LRUCache } from 'lru-cache';
import { StoreUnavailableError } from '../sessions/store.js';

export interface UsedStates {
  /** True the first time a state is claimed within `ttlMs`; false on every later attempt. */
  claim(state: string, ttlMs: number): Promise<boolean>;
}

const MEMORY_MAX_ENTRIES = 100_000;

const hashOf = (state: string): string => createHash('sha256').update(state).digest('base64url');

export function createUsedStates(redis: RedisClient | undefined, keyPrefix: string): UsedStates {
  if (redis) {
    return {
      async claim(state, ttlMs) {
        const hash = hashOf(state);
        try {
          // One key, its own hash tag: Cluster-ready, and it expires when the flow could no longer be used.
          return (await redis.set(`${keyPrefix}sso:{${hash}}:used`, '1', 'PX', ttlMs, 'NX')) === 'OK';
        } catch (error) {
          throw new StoreUnavailableError('claiming an SSO state failed', { cause: error });
        }
      },
    };
  }
  const used = new LRUCache<string, true>({ max: MEMORY_MAX_ENTRIES });
  return {
    claim(state, ttlMs) {
      const hash = hashOf(state);
      if (used.has(hash)) return Promise.resolve(false);
      used.set(hash, true, { ttl: ttlMs });
      return Promise.resolve(true);
    },
  };
}
