// The one Redis connection factory (src/redis/): nothing else creates a client, and each topology gets the
// same fail-fast settings; passwords never reach a log line, whatever the topology.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisClient, safeError, type RedisClient } from '../../src/redis/connection.js';
import type { RedisTarget } from '../../src/redis/target.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { StoreUnavailableError } from '../../src/sessions/store.js';
import { freePort } from '../helpers/redis.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function capturingLogger() {
  const lines: string[] = [];
  const log = (obj: object, msg: string) => lines.push(`${msg} ${JSON.stringify(obj)}`);
  return { lines, logger: { warn: log, info: log } };
}

async function withClient(client: RedisClient, run: (client: RedisClient) => Promise<void>): Promise<void> {
  try {
    await run(client);
  } finally {
    await closeRedis(client);
  }
}

describe('the Redis connection factory', () => {
  it('is the only place that creates a Redis client (src and test)', () => {
    const files = [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'test'))].filter(
      (f) => !relative(ROOT, f).startsWith('src/redis/'),
    );
    const creating = /new\s+(Redis|Cluster)\s*\(|from\s+'redis'|import\s*\{[^}]*\b(Redis|Cluster)\b[^}]*\}\s*from\s*'ioredis'/;
    const offending = files.filter((f) => !f.endsWith('redis-factory.test.ts') && creating.test(readFileSync(f, 'utf8')));
    expect(offending.map((f) => relative(ROOT, f))).toEqual([]);
    // Sanity: the pattern sees the factory itself.
    expect(creating.test(readFileSync(join(ROOT, 'src/redis/connection.ts'), 'utf8'))).toBe(true);
  });

  it('opens a Cluster with no offline queue, reads from primaries and the per-node timeouts and credentials', async () => {
    const port = await freePort();
    const target: RedisTarget = { kind: 'cluster', nodes: [{ host: '127.0.0.1', port }], username: 'bff', password: 'node-pw' };
    await withClient(createRedisClient(target), async (client) => {
      expect(client).toBeInstanceOf(Cluster);
      expect((client as Cluster).options).toMatchObject({
        enableOfflineQueue: false,
        scaleReads: 'master',
        enableAutoPipelining: true,
        redisOptions: { commandTimeout: 1000, connectTimeout: 2000, username: 'bff', password: 'node-pw', maxRetriesPerRequest: 1 },
      });
      // Never connected: with auto-pipelining ioredis holds a command until the first connect attempt
      // ends (no slot map yet), then fails it; there is no queue that outlives a failed attempt.
      await expect(client.get('k')).rejects.toThrow(/None of startup nodes is available/);
    });
  });

  it('opens the primary Sentinel names, with no offline queue, reconnecting on READONLY and on +switch-master', async () => {
    const port = await freePort();
    const target: RedisTarget = {
      kind: 'sentinel',
      sentinels: [{ host: '127.0.0.1', port }],
      name: 'bff-primary',
      sentinelPassword: 'sentinel-pw',
      password: 'node-pw',
    };
    await withClient(createRedisClient(target), async (client) => {
      expect(client).toBeInstanceOf(Redis);
      const options = (client as Redis).options;
      expect(options).toMatchObject({
        name: 'bff-primary',
        role: 'master',
        enableOfflineQueue: false,
        commandTimeout: 1000,
        sentinelPassword: 'sentinel-pw',
        password: 'node-pw',
        failoverDetector: true,
      });
      expect(options.reconnectOnError?.(new Error("READONLY You can't write against a read only replica."))).toBe(true);
      expect(options.reconnectOnError?.(new Error('ERR other'))).toBe(false);
      await expect(client.get('k')).rejects.toThrow(/enableOfflineQueue options is false/);
    });
  });

  it('never logs a password when a Cluster or Sentinel cannot be reached', async () => {
    const port = await freePort();
    const { lines, logger } = capturingLogger();
    const node = { host: '127.0.0.1', port };
    const cluster = createRedisClient({ kind: 'cluster', nodes: [node], password: 'cluster-pw-secret' }, { logger });
    const sentinel = createRedisClient(
      { kind: 'sentinel', sentinels: [node], name: 'p', sentinelPassword: 'sentinel-pw-secret' },
      { logger },
    );
    try {
      await expect(waitForRedis(cluster, 300)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(waitForRedis(sentinel, 300)).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await closeRedis(cluster);
      await closeRedis(sentinel);
    }
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.join('\n')).toContain(`127.0.0.1:${port}`);
    expect(lines.join('\n')).not.toMatch(/pw-secret/);
  });

  it('cuts userinfo and known secrets out of error messages', () => {
    expect(safeError(new Error('connect to redis://u:pw@h:1 failed')).message).toBe('connect to redis://***@h:1 failed');
    expect(safeError(new Error('WRONGPASS hunter2 is wrong'), ['hunter2']).message).toBe('WRONGPASS *** is wrong');
  });
});
