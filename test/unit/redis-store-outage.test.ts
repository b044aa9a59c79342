// Redis going away must turn store calls into fast StoreUnavailableErrors (503s), never hangs, and the
// same client must come back by itself when Redis does. Uses a private redis-server per file. "Fast" is
// asserted by cause, not by a stopwatch: a closed connection rejects without waiting for the command
// timeout, and a stuck server is cut off by that timeout rather than waited on.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../src/redis/connection.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { createRedisStore } from '../../src/sessions/redis-store.js';
import { StoreUnavailableError } from '../../src/sessions/store.js';
import { eventually } from '../helpers/eventually.js';
import { freePort, startPrivateRedis, type PrivateRedis } from '../helpers/redis.js';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreUnavailableError);
  return error as Error;
}

/** The error ioredis gives at once for a command on a connection that is not up (no offline queue). */
const NOT_CONNECTED = /Stream isn't writeable|Connection is closed/;

function capturingLogger() {
  const lines: string[] = [];
  const log = (obj: object, msg: string): void => {
    lines.push(JSON.stringify({ ...obj, msg }));
  };
  return { lines, logger: { warn: log, info: log } };
}

describe('redis store during an outage', () => {
  let server: PrivateRedis;

  beforeAll(async () => {
    server = await startPrivateRedis();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('fails fast while Redis is down and recovers on the same client when it returns', async () => {
    const { lines, logger } = capturingLogger();
    const redis = createRedisClient(server.url, { logger });
    try {
      await waitForRedis(redis, 5000);
      const store = createRedisStore({ redis });
      const sid = randomUUID();
      expect(await store.create(sid, Buffer.from('v'), 60_000)).toBe(true);

      server.kill();
      await eventually(() => redis.status !== 'ready', 'the client to notice the dead server');
      const calls: (() => Promise<unknown>)[] = [
        () => store.get(sid),
        () => store.compareAndSet(sid, 1, Buffer.from('v2'), 60_000),
        () => store.ping(),
        () => store.indexList('c'),
      ];
      for (const call of calls) {
        const error = await rejection(call());
        expect((error.cause as Error).message).toMatch(NOT_CONNECTED);
      }

      // The outage is logged once a reconnect attempt fails (ioredis tries again after 100 ms): wait for it, as
      // a restart sooner would leave nothing to log.
      await eventually(() => lines.some((l) => l.includes('redis connection error')), 'the outage warning');
      await server.restart();
      await waitForRedis(redis, 5000);
      // The new server is empty: the session is gone, but the store works again.
      expect(await store.get(sid)).toBeNull();
      expect(await store.create(sid, Buffer.from('again'), 60_000)).toBe(true);
      expect(await store.get(sid)).toEqual({ value: Buffer.from('again'), version: 1 });
      // The new server's script cache is empty too: EVAL stands in for EVALSHA, binary replies included.
      await store.putSide(sid, 'n', Buffer.from([0, 0x3a, 0xff]), 60_000);
      expect(await store.getSide(sid, 'n')).toEqual(Buffer.from([0, 0x3a, 0xff]));
      expect(lines.some((l) => l.includes('redis connection error'))).toBe(true);
      expect(lines.some((l) => l.includes('redis connection restored'))).toBe(true);
    } finally {
      await closeRedis(redis);
    }
  });

  it('times out instead of hanging when Redis stops answering on an open socket', async () => {
    const redis = createRedisClient(server.url); // default 1000 ms command timeout
    try {
      await waitForRedis(redis, 5000);
      const store = createRedisStore({ redis });
      server.pause();
      const error = await rejection(store.get(randomUUID()));
      expect((error.cause as Error).message).toMatch(/timed out/i);
      server.resume();
      expect(await store.get(randomUUID())).toBeNull();
    } finally {
      server.resume();
      await closeRedis(redis);
    }
  });

  it('rejects at once when Redis never existed, and never logs the URL password', async () => {
    const port = await freePort();
    const { lines, logger } = capturingLogger();
    const redis = createRedisClient(`redis://user:s3cret-pw@127.0.0.1:${port}`, { logger });
    try {
      const error = await rejection(createRedisStore({ redis }).get(randomUUID()));
      expect((error.cause as Error).message).toMatch(NOT_CONNECTED);
      await expect(waitForRedis(redis, 300)).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toContain('s3cret-pw');
    } finally {
      await closeRedis(redis);
      await closeRedis(redis);
    }
    // Closed means no further reconnect attempts, and waiting on it fails at once.
    let attempts = 0;
    redis.on('connecting', () => attempts++);
    // Reconnects would come within 100-200 ms (reconnectDelayMs); a slow machine only widens the window.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(attempts).toBe(0);
    // Closed, not "not ready within 5000 ms": it did not wait.
    expect((await rejection(waitForRedis(redis, 5000))).message).toBe('redis connection is closed');
  });
});
