// Redis for tests: the run's private redis-server (test/global-setup.ts) with a unique key prefix per file
// (cleaned by prefix, never flushed, never KEYS), and further private servers for outage tests.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../../src/redis/connection.js';
import { inject } from 'vitest';
import { spawnRedisServer, type RedisProcess } from '../setup/redis-server.js';

export { freePort } from '../setup/redis-server.js';

/** The URL of the redis-server this test run started (never a Redis the developer runs). */
export function redisUrl(): string {
  const url = inject('redisUrl');
  if (!url) throw new Error('no test Redis: run the tests through vitest (test/global-setup.ts starts one)');
  return url;
}

/** A key prefix no other test file or run shares, e.g. `test:contract:<uuid>:`. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${randomUUID()}:`;
}

/** A client for setup and cleanup (through the one factory; it queues until connected, so it can be used at once). */
export function createTestRedis(url = redisUrl()): Redis {
  return createRedisClient(url, { queueUntilConnected: true });
}

function prefixPattern(prefix: string): string {
  if (prefix.length === 0) throw new Error('refusing to match an empty prefix');
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
}

/** Every key under `prefix`, as raw bytes, by SCAN (never KEYS: that would block a shared server). */
export async function scanPrefix(redis: Redis, prefix: string): Promise<Buffer[]> {
  const keys: Buffer[] = [];
  const stream = redis.scanBufferStream({ match: prefixPattern(prefix), count: 500 });
  for await (const batch of stream as AsyncIterable<Buffer[]>) keys.push(...batch);
  return keys;
}

/**
 * Every key under `prefix` and all it holds (hash fields and values, strings, sorted-set members and
 * scores) as raw bytes, for searching for secrets; a type this cannot read shows as "unexpected type <t>".
 */
export async function dumpPrefix(redis: Redis, prefix: string): Promise<{ keys: number; bytes: Buffer }> {
  const keys = await scanPrefix(redis, prefix);
  const parts: Buffer[] = [];
  for (const key of keys) {
    parts.push(key);
    const type = await redis.type(key);
    if (type === 'hash') parts.push(...Object.entries(await redis.hgetallBuffer(key)).flatMap(([f, v]) => [Buffer.from(f), v]));
    else if (type === 'string') parts.push((await redis.getBuffer(key)) ?? Buffer.alloc(0));
    else if (type === 'zset') parts.push(...(await redis.zrangeBuffer(key, 0, -1, 'WITHSCORES')));
    else parts.push(Buffer.from(`unexpected type ${type}`));
    parts.push(Buffer.from('\n'));
  }
  return { keys: keys.length, bytes: Buffer.concat(parts) };
}

/** Deletes every key under `prefix` with SCAN + UNLINK in batches. */
export async function cleanupPrefix(redis: Redis, prefix: string): Promise<number> {
  const pattern = prefixPattern(prefix);
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (batch.length > 0) deleted += await redis.unlink(...batch);
  } while (cursor !== '0');
  return deleted;
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** Graceful stop (SIGTERM), resolves when the process has exited. */
  stop(): Promise<void>;
  /** Abrupt death (SIGKILL), like a crashed or partitioned server. */
  kill(): void;
  /** Stops the server if running and starts a fresh, empty one on the same port. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: the socket stays open but nothing answers, like a partition or a stuck server. */
  pause(): void;
  resume(): void;
}

/** Spawns its own `redis-server` (no persistence) on a free port and waits until it answers PING. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  let server: RedisProcess = await spawnRedisServer();
  const { port } = server;
  let stopped: Promise<void> = Promise.resolve();
  const stopWith = (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    if (signal === 'SIGKILL') server.signal('SIGKILL');
    stopped = server.stop();
    return stopped;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => stopWith('SIGTERM'),
    kill() {
      void stopWith('SIGKILL');
    },
    async restart() {
      await stopWith('SIGTERM');
      // The old process has exited, so the new one never races it for the port.
      server = await spawnRedisServer(port);
    },
    pause: () => server.signal('SIGSTOP'),
    resume: () => server.signal('SIGCONT'),
  };
}
