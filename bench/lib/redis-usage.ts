// Redis as the bench sees it: bytes per stored session (MEMORY USAGE of the real keys) and clean-up of
// everything a run wrote, by its key prefix (SCAN + UNLINK; never FLUSH).
import type { Redis } from 'ioredis';
import { createKeyBuilder } from '../../src/sessions/keys.js';
import { sidFromToken } from '../../src/sessions/session-id.js';
import { GUEST, STOREFRONT_HEADERS } from './actors.js';
import { expectJson } from './http.js';
import type { World } from './world.js';

export interface SessionBytes {
  /** Mean MEMORY USAGE of the service's session record (`…:rec`). */
  serviceRecord: number;
  /** MEMORY USAGE of the per-customer index of a customer with one session (a guest): the worst case. */
  serviceIndex: number;
  servicePerSession: number;
  /** The index of a registered customer with many sessions (every login of the rounds): bytes per member. */
  serviceSharedIndex: { members: number; bytesPerMember: number };
  /** Mean MEMORY USAGE of connect-redis's `sess:<id>` string. */
  naivePerSession: number;
  /** Bytes the bench's longer key prefixes add per session over the defaults (`bff:`, connect-redis's `sess:`). */
  serviceKeyExtra: number;
  naiveKeyExtra: number;
}

export async function memoryUsage(redis: Redis, key: string): Promise<number> {
  const bytes = await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
  if (typeof bytes !== 'number') throw new Error(`no key to measure: ${key}`);
  return bytes;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const cookieValue = (cookie: string): string => cookie.slice(cookie.indexOf('=') + 1);

export async function measureSessionBytes(redis: Redis, world: World): Promise<SessionBytes> {
  const keysA = createKeyBuilder(world.prefixes.serviceA);
  const records = await Promise.all(world.cookies.serviceA.map((c) => memoryUsage(redis, keysA.record(sidFromToken(cookieValue(c))!))));

  const guest = await expectJson(200, world.serviceB.url, 'POST', '/auth/login/guest', { body: GUEST, headers: STOREFRONT_HEADERS });
  const me = await expectJson(200, world.serviceB.url, 'GET', '/auth/session', { headers: { cookie: guest.cookie! } });
  const index = await memoryUsage(redis, createKeyBuilder(world.prefixes.serviceB).index(String(me.body.customer.id)));

  const member = await expectJson(200, world.serviceA.url, 'GET', '/auth/session', { headers: { cookie: world.cookies.serviceA[0]! } });
  const sharedKey = keysA.index(String(member.body.customer.id));
  const members = await redis.zcard(sharedKey);
  const serviceSharedIndex = { members, bytesPerMember: (await memoryUsage(redis, sharedKey)) / Math.max(1, members) };

  // express-session's cookie is `s:<id>.<signature>`, URL-encoded.
  const naiveIds = world.cookies.naiveA.map((c) => decodeURIComponent(cookieValue(c)).slice(2).split('.')[0]!);
  const naive = await Promise.all(naiveIds.map((id) => memoryUsage(redis, `${world.prefixes.naive}sess:${id}`)));

  const serviceRecord = mean(records);
  // Both the record key and the index key carry the prefix; the bench's is longer than the default `bff:`.
  const serviceKeyExtra = 2 * (world.prefixes.serviceA.length - 'bff:'.length);
  const naiveKeyExtra = world.prefixes.naive.length;
  return {
    serviceRecord,
    serviceIndex: index,
    servicePerSession: serviceRecord + index,
    serviceSharedIndex,
    naivePerSession: mean(naive),
    serviceKeyExtra,
    naiveKeyExtra,
  };
}

/** Deletes every key under `prefix`; returns how many. */
export async function cleanupPrefix(redis: Redis, prefix: string): Promise<number> {
  if (prefix.length < 8) throw new Error('refusing to clean up a short prefix');
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
    cursor = next;
    if (batch.length > 0) deleted += await redis.unlink(...batch);
  } while (cursor !== '0');
  return deleted;
}
