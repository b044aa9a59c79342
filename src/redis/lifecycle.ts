// Waiting for a Redis client (one node, Sentinel or Cluster) to be usable, and closing it; both idempotent
// and safe on a client that never connected.
import { Cluster } from 'ioredis';
import { StoreUnavailableError } from '../sessions/store.js';
import type { RedisClient } from './connection.js';

const closing = new WeakMap<RedisClient, Promise<void>>();

/**
 * Resolves once the client is ready (a Cluster: once it also has a connection to every primary); rejects
 * after `timeoutMs` or if the client has been closed.
 */
export async function waitForRedis(redis: RedisClient, timeoutMs: number): Promise<void> {
  const started = Date.now();
  await waitReady(redis, timeoutMs);
  if (!(redis instanceof Cluster)) return;
  // The node clients queue until connected (ioredis), so one PING each waits for every primary's socket.
  const left = Math.max(1, timeoutMs - (Date.now() - started));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`redis cluster nodes not ready within ${timeoutMs} ms`)), left);
  });
  try {
    await Promise.race([Promise.all(redis.nodes('master').map((node) => node.ping())), late]);
  } catch (error) {
    throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError('redis cluster node not reachable', { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

function waitReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  if (redis.status === 'end' || closing.has(redis)) return Promise.reject(new StoreUnavailableError('redis connection is closed'));
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    };
    const onReady = (): void => done();
    const onEnd = (): void => done(new StoreUnavailableError('redis connection is closed'));
    const timer = setTimeout(() => done(new StoreUnavailableError(`redis not ready within ${timeoutMs} ms`)), timeoutMs);
    redis.on('ready', onReady);
    redis.on('end', onEnd);
  });
}

/**
 * QUIT when connected (lets pending replies arrive), else disconnect; idempotent and never rejects.
 * Between reconnect attempts ioredis cancels the next attempt but leaves `status` at 'reconnecting'
 * (there is no socket to emit 'end'), so callers must not wait for 'end'.
 */
export function closeRedis(redis: RedisClient): Promise<void> {
  const pending = closing.get(redis);
  if (pending) return pending;
  const close = async (): Promise<void> => {
    if (redis.status === 'end') return;
    if (redis.status === 'ready') {
      try {
        await redis.quit();
        return;
      } catch {
        // QUIT failed or timed out (commandTimeout): fall through and drop the socket.
      }
    }
    redis.disconnect(false);
  };
  const result = close();
  closing.set(redis, result);
  return result;
}
