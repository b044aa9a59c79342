// Memory per cached session (issue 20): a fresh service instance, started with --expose-gc and the memory
// probe (targets/service.ts), reads N distinct sessions once each; the figure is (heapUsed after − heapUsed
// before) ÷ N, both read right after a full GC, and the same for RSS. "Before" follows a warm-up on one
// session, so code and JIT memory are not counted. Run once with the session cache at its default and once
// with SESSION_CACHE_MAX_ENTRIES=0: the difference is what the cache keeps per session. The sessions are
// copies of a real one sealed under fresh ids (as in scaling.ts), seen just now, so reading them writes nothing.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { request } from 'undici';
import { createRedisStore } from '../../src/sessions/redis-store.js';
import { createSessionCrypto } from '../../src/sessions/session-crypto.js';
import { sidFromToken, sidOf } from '../../src/sessions/session-id.js';
import { parseSession, serialiseSession } from '../../src/sessions/session-record.js';
import { inBatches } from './http.js';
import type { Target } from './proc.js';

export interface MemoryPerSession {
  /** heapUsed growth per session read, after a full GC, in bytes. */
  heapBytes: number;
  /** RSS growth per session read, in bytes (allocator and page granularity included). */
  rssBytes: number;
}

export interface CacheMemory {
  sessions: number;
  cacheOn: MemoryPerSession;
  cacheOff: MemoryPerSession;
}

export interface CacheMemoryOptions {
  redis: Redis;
  keyPrefix: string;
  encryptionKey: string;
  /** A cookie header of a live session under `keyPrefix`: the template of every copy. */
  templateCookie: string;
  sessions: number;
  /** Starts a service instance on `keyPrefix` with the probe on and these extra variables. */
  start: (env: Record<string, string>) => Promise<Target>;
}

const WARM_UP_READS = 500;

async function seedCopies(o: CacheMemoryOptions, cookieName: string): Promise<string[]> {
  const store = createRedisStore({ redis: o.redis, keyPrefix: o.keyPrefix });
  const crypto = createSessionCrypto([o.encryptionKey]);
  const templateSid = sidFromToken(o.templateCookie.slice(cookieName.length + 1))!;
  const stored = await store.get(templateSid);
  if (!stored) throw new Error('the template session is not in Redis');
  const now = Date.now();
  const plaintext = serialiseSession({
    ...parseSession(crypto.open('record', stored.value, templateSid)),
    createdAt: now,
    lastSeenAt: now + 3_600_000,
    idleExpiresAt: now + 3_600_000,
    absoluteExpiresAt: now + 7_200_000,
  });
  const tokens = Array.from({ length: o.sessions }, () => randomBytes(32).toString('base64url'));
  await inBatches(tokens.length, 50, async (i) => {
    const sid = sidOf(tokens[i]!);
    await store.create(sid, crypto.seal('record', plaintext, sid), 3 * 3_600_000);
  });
  return tokens;
}

async function read(target: Target, cookie: string): Promise<void> {
  const res = await request(`${target.url}/auth/session`, { headers: { cookie } });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`GET /auth/session answered ${res.statusCode} in the memory measurement`);
}

async function probe(target: Target): Promise<{ heapUsed: number; rss: number }> {
  const res = await request(String(target.info?.probe));
  return (await res.body.json()) as { heapUsed: number; rss: number };
}

/** A fresh instance answers 503 until its Redis connection is up (store.ts): wait for readiness first. */
async function ready(target: Target): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const res = await request(`${target.url}/health/ready`);
    await res.body.dump();
    if (res.statusCode === 200) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error('the memory-measurement instance never became ready');
}

async function measure(o: CacheMemoryOptions, env: Record<string, string>, cookies: string[]): Promise<MemoryPerSession> {
  const target = await o.start(env);
  try {
    await ready(target);
    for (let i = 0; i < WARM_UP_READS; i += 1) await read(target, o.templateCookie);
    const before = await probe(target);
    await inBatches(cookies.length, 20, (i) => read(target, cookies[i]!));
    const after = await probe(target);
    return { heapBytes: (after.heapUsed - before.heapUsed) / cookies.length, rssBytes: (after.rss - before.rss) / cookies.length };
  } finally {
    await target.stop();
  }
}

export async function measureCacheMemory(o: CacheMemoryOptions): Promise<CacheMemory> {
  const cookieName = o.templateCookie.slice(0, o.templateCookie.indexOf('='));
  const cookies = (await seedCopies(o, cookieName)).map((token) => `${cookieName}=${token}`);
  const cacheOn = await measure(o, {}, cookies);
  const cacheOff = await measure(o, { SESSION_CACHE_MAX_ENTRIES: '0' }, cookies);
  return { sessions: o.sessions, cacheOn, cacheOff };
}
