// Session lookup as the store grows: copies of a real session, sealed by the service's own crypto under
// fresh ids and written through its own Redis store, then GET /auth/session on a working set of 1,000 of
// them drawn uniformly from all stored, a random one per request. The working set is the same size at every
// size, so the service's in-process caches behave alike and only the number of stored sessions changes.
// Seeded sessions count as just seen (lastSeenAt ahead), so the lookups read only. Redis's own time per
// command (INFO commandstats) is recorded too, since the Redis server is shared with other clients.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisStore } from '../../src/sessions/redis-store.js';
import { createSessionCrypto } from '../../src/sessions/session-crypto.js';
import { sidFromToken, sidOf } from '../../src/sessions/session-id.js';
import { parseSession, serialiseSession } from '../../src/sessions/session-record.js';
import { runLoad, type LoadOptions, type Sample } from './load.js';
import type { Target } from './proc.js';

export interface ScalingRow {
  sessions: number;
  samples: Sample[];
  /** Redis used_memory growth per seeded session (INFO memory), a cross-check of MEMORY USAGE. */
  usedMemoryPerSession: number;
  seedSeconds: number;
  /** Redis's time per command during the lookups, per answered lookup, largest first (all clients). */
  redisCommands: Array<{ command: string; usecPerLookup: number }>;
}

export interface ScalingOptions extends LoadOptions {
  redis: Redis;
  service: Target;
  keyPrefix: string;
  encryptionKey: string;
  /** A cookie header of a live session of `service`: the template for every seeded copy. */
  templateCookie: string;
  sizes: number[];
  rounds: number;
}

const SAMPLE_SIZE = 1_000;
const BATCH = 2_000;

async function commandUsec(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  return new Map([...info.matchAll(/^cmdstat_([^:]+):calls=\d+,usec=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
}

export async function runScaling(o: ScalingOptions): Promise<ScalingRow[]> {
  const store = createRedisStore({ redis: o.redis, keyPrefix: o.keyPrefix });
  const crypto = createSessionCrypto([o.encryptionKey]);
  const templateSid = sidFromToken(o.templateCookie.slice(o.templateCookie.indexOf('=') + 1))!;
  const stored = await store.get(templateSid);
  if (!stored) throw new Error('the template session is not in Redis');
  const template = parseSession(crypto.open('record', stored.value, templateSid));

  const sample: string[] = [];
  let seeded = 0;
  const rows: ScalingRow[] = [];
  for (const size of o.sizes) {
    const before = await usedMemory(o.redis);
    const started = Date.now();
    const now = Date.now();
    const data = {
      ...template,
      createdAt: now,
      lastSeenAt: now + 3_600_000,
      idleExpiresAt: now + 3_600_000,
      absoluteExpiresAt: now + 7_200_000,
    };
    const plaintext = serialiseSession(data);
    while (seeded < size) {
      const count = Math.min(BATCH, size - seeded);
      await Promise.all(
        Array.from({ length: count }, () => {
          const token = randomBytes(32).toString('base64url');
          const sid = sidOf(token);
          // Reservoir sampling: every seeded session is equally likely to be looked up.
          seeded += 1;
          if (sample.length < SAMPLE_SIZE) sample.push(token);
          else if (Math.random() < SAMPLE_SIZE / seeded) sample[Math.floor(Math.random() * SAMPLE_SIZE)] = token;
          return store.create(sid, crypto.seal('record', plaintext, sid), 3 * 3_600_000);
        }),
      );
    }
    const seedSeconds = (Date.now() - started) / 1000;
    const grown = (await usedMemory(o.redis)) - before;
    const previous = rows.at(-1)?.sessions ?? 0;
    const cookieName = o.templateCookie.slice(0, o.templateCookie.indexOf('='));
    const samples: Sample[] = [];
    const usecBefore = await commandUsec(o.redis);
    for (let round = 0; round < o.rounds; round += 1) {
      const spec = {
        method: 'GET' as const,
        path: '/auth/session',
        perRequest: () => ({ cookie: `${cookieName}=${sample[Math.floor(Math.random() * sample.length)]!}` }),
      };
      samples.push(await runLoad(o.service, spec, o));
    }
    const usecAfter = await commandUsec(o.redis);
    const lookups = samples.reduce((sum, s) => sum + s.responses, 0);
    const redisCommands = [...usecAfter]
      .map(([command, usec]) => ({ command, usecPerLookup: (usec - (usecBefore.get(command) ?? 0)) / Math.max(1, lookups) }))
      .filter((c) => c.usecPerLookup >= 0.05)
      .sort((a, b) => b.usecPerLookup - a.usecPerLookup)
      .slice(0, 4);
    rows.push({ sessions: size, samples, usedMemoryPerSession: grown / Math.max(1, size - previous), seedSeconds, redisCommands });
  }
  return rows;
}
